import Logging
import SolventBotPolicy
import SolventCore

/// The bot's state across connections and its decision round: which auctions to bid on after
/// each live record, sending the bids and logging every decision, one line each.
struct Bidder {
    let policy: BidPolicy
    let logger: Logger
    private(set) var view = LogView()
    /// Per auction, the seq of the last record an accepted bid of ours derived: until the view has
    /// read it, the auction's remainder is not yet known and it is not bid on again.
    private var holdUntil: [Seq: Seq] = [:]
    /// The last skip logged per auction: a repeat goes to debug, a change to info.
    private var lastSkip: [Seq: String] = [:]

    init(policy: BidPolicy, logger: Logger) {
        self.policy = policy
        self.logger = logger
    }

    private var me: AccountID { policy.config.account }

    /// The log's engine rules, from the daemon's `status`, before the first record is read.
    mutating func adopt(rules: RulesVersion) { view.adopt(rules: rules) }

    /// Follows `record`; false when it was seen before (then nothing is done with it).
    mutating func observe(_ record: Record) -> Bool {
        guard view.observe(record) else { return false }
        switch record.event {
        case .auctionFill(let p) where p.bidder == me:
            logger.info("filled auction=\(p.auction) qty=\(p.qty) price=\(p.price) remaining=\(p.remaining) seq=\(record.seq)")
        case .auctionBidRejected(let p) where p.bidder == me:
            logger.warning("rejected auction=\(p.auction) reason=\(p.reason) price=\(p.price) seq=\(record.seq)")
        case .auctionEnded(let p):
            holdUntil[p.auction] = nil
            lastSkip[p.auction] = nil
        default:
            break
        }
        return true
    }

    /// One decision per running auction at the log time the view has reached.
    mutating func act(_ channel: RequestChannel) async throws {
        var funds: Funds?
        for entry in view.auctions.entries {
            if let hold = holdUntil[entry.id], hold > view.lastSeq { continue }
            let key = BotRequests.key(account: me, auction: entry.id, seq: view.lastSeq)
            // A second attempt only at the log time a `time_regression` refusal names: the log
            // moved on while the bid travelled, and the records that moved it are still on the way.
            guard let logTime = try await decide(entry, at: view.nowMs, key: key, funds: &funds, channel),
                  logTime > view.nowMs else { continue }
            _ = try await decide(entry, at: logTime, key: key + "-t\(logTime)", funds: &funds, channel)
        }
    }

    /// Skips or bids on `entry` priced at `at`; returns the log's last time if the bid was refused
    /// `time_regression`. `funds` are fetched when first needed and dropped after a bid.
    private mutating func decide(_ entry: AuctionBoard.Entry, at: TimeMs, key: String, funds: inout Funds?,
                                 _ channel: RequestChannel) async throws -> TimeMs? {
        let quote: Quote
        switch policy.quote(entry, markets: view.markets, nowMs: at) {
        case .failure(let reason):
            skip(entry.id, reason, at: at)
            return nil
        case .success(let priced):
            quote = priced
        }
        let current: Funds
        if let funds { current = funds } else { current = try await account(channel) }
        funds = current
        switch policy.decide(quote, markets: view.markets, funds: current) {
        case .skip(let reason):
            skip(entry.id, reason, at: at)
            return nil
        case .bid(let bid, let price):
            funds = nil  // a fill moves them
            return try await send(bid, price: price, at: at, key: key, channel)
        }
    }

    private mutating func skip(_ auction: Seq, _ reason: SkipReason, at: TimeMs) {
        let text = reason.description
        let line: Logger.Message = "skip auction=\(auction) \(text) at=\(at) seq=\(view.lastSeq)"
        if lastSkip[auction] == text { logger.debug(line) } else { logger.info(line) }
        lastSkip[auction] = text
    }

    private func account(_ channel: RequestChannel) async throws -> Funds {
        let reply = try await channel.send(BotRequests.account(me))
        if let refusal = BotRequests.refusal(reply) {
            // Never funded: the ledger has not seen the account, so it has nothing to bid with.
            if refusal.code == "unknown_account" { return .none }
            throw BotError("account query refused: \(refusal.code): \(refusal.message)")
        }
        return try Funds(reply: reply)
    }

    /// Sends `bid` stamped `at`; returns the log's last time when it was refused
    /// `time_regression` (nil otherwise).
    private mutating func send(_ bid: AuctionBid, price: Price, at: TimeMs, key: String, _ channel: RequestChannel) async throws -> TimeMs? {
        lastSkip[bid.auction] = nil
        logger.info("bid auction=\(bid.auction) qty=\(bid.qty) price=\(price) limit=\(bid.limitPrice) at=\(at) key=\(key)")
        let reply = try await channel.send(BotRequests.append(bid, key: key, timeMs: at))
        if let refusal = BotRequests.refusal(reply) {
            switch refusal.code {
            case "time_regression", "unknown_auction":
                // The log moved on (a later record, or the auction ended) before the bid arrived.
                logger.info("bid refused auction=\(bid.auction) \(refusal.code) key=\(key)")
                return refusal.code == "time_regression" ? BotRequests.lastTime(inRefusal: refusal.message) : nil
            default:
                logger.warning("bid refused auction=\(bid.auction) \(refusal.code): \(refusal.message) key=\(key)")
                return nil
            }
        }
        if let last = BotRequests.lastAuctionSeq(ofReply: reply) { holdUntil[bid.auction] = last }
        return nil
    }
}
