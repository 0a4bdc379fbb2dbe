import SolventCore

/// What `solvent bot` wants (docs/BOTS.md): its account, the discount against the mark, the
/// largest notional per bid and its reaction delay.
public struct BotConfig: Equatable, Sendable {
    public var account: AccountID
    /// Buys from a falling auction at ≤ mark × (1 − discount); sells into a rising one at
    /// ≥ mark × (1 + discount).
    public var discount: Rate
    /// Largest notional of one bid (qty × auction price); nil: bounded by capital alone.
    public var maxNotional: Money?
    /// Log time from an auction's start (or reset) until the bot first bids on it.
    public var reactionMs: Int64

    public init(account: AccountID, discount: Rate = Rate(raw: 2_000_000), maxNotional: Money? = nil, reactionMs: Int64 = 0) {
        self.account = account
        self.discount = discount
        self.maxNotional = maxNotional
        self.reactionMs = reactionMs
    }
}

/// Why the bot does not bid on an auction now; each is logged as one line.
public enum SkipReason: Error, Equatable, Sendable, CustomStringConvertible {
    case ownAuction
    case unknownMarket
    case noMark
    case marketHalted
    case reacting(untilMs: TimeMs)
    case outsideLimit(price: Price, limit: Price)
    case liquidating
    case noCapital(available: Money)
    case cannotCarry(price: Price, available: Money)
    case dustRemainder(capacity: Quantity)

    public var description: String {
        switch self {
        case .ownAuction: "own_auction"
        case .unknownMarket: "unknown_market"
        case .noMark: "no_mark"
        case .marketHalted: "market_halted"
        case .reacting(let until): "reacting until=\(until)"
        case .outsideLimit(let price, let limit): "outside_limit price=\(price) limit=\(limit)"
        case .liquidating: "liquidating"
        case .noCapital(let available): "no_capital available=\(available)"
        case .cannotCarry(let price, let available): "cannot_carry price=\(price) available=\(available)"
        case .dustRemainder(let capacity): "dust_remainder capacity=\(capacity)"
        }
    }
}

/// An auction worth bidding on now, before the bot's funds are consulted.
public struct Quote: Equatable, Sendable {
    public var entry: AuctionBoard.Entry
    /// The curve price at the quote's time, as the engine computes it (Auctions.swift).
    public var price: Price
    public var limit: Price
    public var mark: Price
}

public enum Decision: Equatable, Sendable {
    case bid(AuctionBid, price: Price)
    case skip(SkipReason)
}

/// The pure decision of `solvent bot`: given what the records say (auctions, markets) and the
/// bot's funds, what to bid now. No I/O, no clock: time is the log's, passed in.
public struct BidPolicy: Sendable {
    public var config: BotConfig

    /// A margin below `available` the bot keeps free: covers the fill's cash rounding (a unit
    /// each way) with room to spare, so the engine's margin check never refuses it.
    public static let marginSafety = Money(raw: 100)

    public init(config: BotConfig) { self.config = config }

    /// The auction's price at `nowMs` when it is inside the bot's limit, or why not.
    public func quote(_ entry: AuctionBoard.Entry, markets: MarketBook, nowMs: TimeMs) -> Result<Quote, SkipReason> {
        guard entry.account != config.account else { return .failure(.ownAuction) }
        guard let market = markets.market(entry.market) else { return .failure(.unknownMarket) }
        guard !market.halted else { return .failure(.marketHalted) }
        guard let mark = market.mark else { return .failure(.noMark) }
        guard BidRule.hasReacted(entry, nowMs: nowMs, reactionMs: config.reactionMs) else {
            return .failure(.reacting(untilMs: entry.startTimeMs + config.reactionMs))
        }
        // The engine prices with the market's parameters in force at the bid (Auctions.swift).
        let params = market.params
        let price = AuctionPrice.price(curve: params.curve, start: entry.startPrice, elapsedMs: max(0, nowMs - entry.startTimeMs),
                                       direction: entry.direction, params: params)
        let limit = BidRule.limit(mark: mark, discount: config.discount, direction: entry.direction)
        guard BidRule.reaches(price: price, limit: limit, direction: entry.direction) else {
            return .failure(.outsideLimit(price: price, limit: limit))
        }
        return .success(Quote(entry: entry, price: price, limit: limit, mark: mark))
    }

    /// The bid on `quote` that `funds` can carry, or why there is none.
    public func decide(_ quote: Quote, markets: MarketBook, funds: Funds) -> Decision {
        guard funds.state != .liquidating else { return .skip(.liquidating) }
        guard funds.available > Self.marginSafety else { return .skip(.noCapital(available: funds.available)) }
        guard let market = markets.market(quote.entry.market) else { return .skip(.unknownMarket) }
        let carry = Carry(listing: market.listing, mark: quote.mark, price: quote.price,
                          held: funds.positions[quote.entry.market] ?? .zero, buying: quote.entry.direction == .falling,
                          available: funds.available - Self.marginSafety, maxNotional: config.maxNotional)
        let capacity = carry.capacity(upTo: quote.entry.remaining)
        guard capacity.isPositive else { return .skip(.cannotCarry(price: quote.price, available: funds.available)) }
        guard let qty = BidRule.size(capacity: capacity, remaining: quote.entry.remaining, price: quote.price,
                                     dustNotional: market.params.dustNotional)
        else { return .skip(.dustRemainder(capacity: capacity)) }
        var bid = AuctionBid()
        bid.auction = quote.entry.id
        bid.bidder = config.account
        bid.qty = qty
        bid.limitPrice = quote.limit
        return .bid(bid, price: quote.price)
    }
}
