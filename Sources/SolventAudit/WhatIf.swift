import SolventCore

/// What one account went through from the start of its episode (after its previous liquidation)
/// to the end of the log: the same extractor reads the log and a what-if run, so identical
/// parameters give identical outcomes.
public struct Outcome: Equatable, Sendable {
    public struct Fill: Equatable, Sendable {
        public var time: TimeMs
        public var bidder: AccountID
        public var qty: Quantity
        public var price: Price
        public var penalty: Money
    }

    public var marginCallTime: TimeMs?
    public var marginCallEquity: Money?
    public var liquidated = false
    public var liquidationTime: TimeMs?
    public var trigger: LiquidationTrigger?
    public var qty: Quantity?
    public var fills: [Fill] = []
    public var penalty = Money.zero
    public var shortfall = Money.zero
    public var insurancePaid = Money.zero
    public var adlQty = Quantity.zero
    public var adl: [String] = []
    public var equityAfter: Money?

    /// Reads the account's first margin call and first liquidation (with its life) from records.
    struct Extractor {
        let account: AccountID
        var outcome = Outcome()
        var liquidation: Seq?
        var auctions: Set<Seq> = []
        var finished = false

        mutating func feed(_ record: Record) {
            guard !finished else { return }
            switch record.event {
            case .marginCall(let p) where p.account == account && outcome.marginCallTime == nil && liquidation == nil:
                outcome.marginCallTime = record.time
                outcome.marginCallEquity = p.equity
            case .liquidationStarted(let p) where p.account == account && liquidation == nil:
                liquidation = p.liquidation
                outcome.liquidated = true
                outcome.liquidationTime = record.time
                outcome.trigger = p.trigger
                outcome.qty = p.qty
            case .auctionStarted(let p) where p.liquidation == liquidation && p.account == account: auctions.insert(p.auction)
            case .auctionFill(let p) where auctions.contains(p.auction):
                outcome.fills.append(Fill(time: record.time, bidder: p.bidder, qty: p.qty, price: p.price, penalty: p.penalty))
            case .adl(let p) where p.liquidation == liquidation: outcome.adl.append("\(p.account) \(p.qty) at \(p.price)")
            case .liquidationFinished(let p) where p.liquidation == liquidation:
                outcome.penalty = p.penaltyPaid
                outcome.shortfall = p.shortfall
                outcome.insurancePaid = p.insurancePaid
                outcome.adlQty = p.adlQty
                outcome.equityAfter = p.equityAfter
                finished = true
            default: break
            }
        }
    }

    /// Rows of (label, value) for tables.
    public var rows: [(String, String)] {
        [("margin call", marginCallTime.map { "at \($0), equity \(marginCallEquity!)" } ?? "none"),
         ("liquidated", liquidated ? "yes" : "no"),
         ("when", liquidationTime.map(String.init) ?? "-"),
         ("trigger", trigger?.rawValue ?? "-"),
         ("quantity", qty.map(\.description) ?? "-"),
         ("fill prices", fills.isEmpty ? "-" : fills.map { "\($0.qty) at \($0.price)" }.joined(separator: ", ")),
         ("penalty", "\(penalty)"),
         ("shortfall", "\(shortfall)"),
         ("insurance paid", "\(insurancePaid)"),
         ("ADL", adl.isEmpty ? "none" : adl.joined(separator: ", ")),
         ("equity after", equityAfter.map(\.description) ?? "-")]
    }
}

/// `--params FILE`: the same inputs re-run under other parameters, beside the original.
public struct WhatIf: Sendable {
    public var overlay: ParamsSet
    public var original: Outcome
    public var alternative: Outcome
    /// Inputs the what-if run refused or could not map (a bid whose auction does not exist there).
    public var skippedInputs = 0
    public var sameParameters: Bool

    public var differs: Bool { original != alternative }

    /// Parses a params file: a JSON object of `params.set` fields, partial allowed
    /// (docs/PARAMETERS.md), refused with the field that is wrong.
    public static func parseParams(_ bytes: [UInt8]) throws -> ParamsSet {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw AuditError("params file: \(error)") }
        do {
            let set = try RecordJSON.payload(json, as: ParamsSet.self)
            var global = set
            global.market = nil  // an empty ledger knows no market; the run checks it again
            try Ledger().check(.paramsSet(global))
            return set
        } catch { throw AuditError("params file: field \(error.field ?? "?"): \(error.message) [\(error.code)]") }
    }

    /// Runs the account's episode again from the nearest snapshot before it, with `overlay`
    /// applied on top of the parameters in force at the start and after every global
    /// `params.set` of the log (when it changes anything). Bids are moved to the what-if
    /// auction of the same account. `inForce` are the parameters of the original liquidation:
    /// `sameParameters` says whether the overlay leaves them as they were.
    public static func run(_ life: LiquidationLife, overlay: ParamsSet, inForce: RiskParams, in log: AuditLog,
                           progress: ((Seq) -> Void)? = nil) throws -> WhatIf {
        var original = Outcome.Extractor(account: life.started.account)
        var alternative = Outcome.Extractor(account: life.started.account)
        let start = try log.rederivation(startingAtOrBefore: life.episodeStart)
        var run = Run(ledger: start.ledger, nextSeq: start.lastSeq + 1, overlay: overlay)
        let same = overlay.applied(to: inForce) == inForce
        try log.forEach(from: start.lastSeq + 1, progress: progress) { record in
            original.feed(record)
            if case .auctionStarted(let p) = record.event { run.originalAuctionAccount[p.auction] = p.account }
            guard record.kind.isInput else { return true }
            for derived in run.apply(record) { alternative.feed(derived) }
            return true
        }
        return WhatIf(overlay: overlay, original: original.outcome, alternative: alternative.outcome,
                      skippedInputs: run.skipped, sameParameters: same)
    }

    /// The what-if ledger and its own seqs.
    struct Run {
        var ledger: Ledger
        var nextSeq: Seq
        let overlay: ParamsSet
        var originalAuctionAccount: [Seq: AccountID] = [:]
        var runningByAccount: [AccountID: Seq] = [:]
        var skipped = 0
        var applied = false

        /// Whether applying the overlay now would change any parameter in force.
        func overlayChanges() -> Bool {
            if let market = overlay.market {
                guard let (params, _) = ledger.params(market: market) else { return true }
                return overlay.applied(to: params) != params
            }
            return overlay.applied(to: ledger.global.params) != ledger.global.params
        }

        mutating func apply(_ input: Record) -> [Record] {
            var out: [Record] = []
            if !applied { applied = true; out += overlayNow(time: input.time) }
            var event = input.event
            if case .auctionBid(var bid) = event {
                guard let account = originalAuctionAccount[bid.auction], let running = runningByAccount[account] else { skipped += 1; return out }
                bid.auction = running
                event = .auctionBid(bid)
            }
            out += process(event, time: input.time)
            if case .paramsSet(let p) = input.event, p.market == nil { out += overlayNow(time: input.time) }
            return out
        }

        mutating func overlayNow(time: TimeMs) -> [Record] {
            guard overlayChanges() else { return [] }
            return process(.paramsSet(overlay), time: time)
        }

        mutating func process(_ event: Event, time: TimeMs) -> [Record] {
            guard let records = try? ledger.process(event, seq: nextSeq, time: max(time, ledger.lastTimeMs)) else { skipped += 1; return [] }
            nextSeq += UInt64(records.count)
            for record in records {
                switch record.event {
                case .auctionStarted(let p): runningByAccount[p.account] = p.auction
                case .auctionEnded(let p): runningByAccount = runningByAccount.filter { $0.value != p.auction }
                default: break
                }
            }
            return records
        }
    }
}
