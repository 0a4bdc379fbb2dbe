import SolventCore

/// One line of `solvent replay --list`: a liquidation with its account, time, trigger, size and
/// outcome, read from the log's own records (no re-derivation).
public struct LiquidationSummary: Equatable, Sendable {
    /// The liquidation id: the seq of its `liquidation.started` record (SPEC §4).
    public var liquidation: Seq
    public var account: AccountID
    public var time: TimeMs
    public var trigger: LiquidationTrigger
    public var market: MarketID
    public var qty: Quantity
    /// `|qty| × mark` at the start, rounded up (the notional the penalty rate is priced on).
    public var notional: Money
    public var finished: LiquidationFinished?

    /// The account's whole position in `market` when the liquidation started.
    public var position: Quantity

    /// `running`; `partial` (a position remains); `full`; `adl` (counterparties took part);
    /// `bad_debt` (negative equity left after the fund paid what it could).
    public var outcome: String {
        guard let finished else { return "running" }
        if finished.equityAfter.isNegative { return "bad_debt" }
        if finished.adlQty != .zero { return "adl" }
        return finished.closedQty.magnitude < position.magnitude ? "partial" : "full"
    }

    public static func all(in log: AuditLog, account: AccountID? = nil, progress: ((Seq) -> Void)? = nil) throws -> [LiquidationSummary] {
        var found: [LiquidationSummary] = []
        var indexByID: [Seq: Int] = [:]
        try log.forEach(progress: progress) { record in
            switch record.event {
            case .liquidationStarted(let p) where account == nil || p.account == account:
                indexByID[p.liquidation] = found.count
                found.append(LiquidationSummary(started: p, time: record.time))
            case .liquidationFinished(let p):
                if let index = indexByID[p.liquidation] { found[index].finished = p }
            default: break
            }
            return true
        }
        return found
    }

    init(started p: LiquidationStarted, time: TimeMs) {
        liquidation = p.liquidation
        account = p.account
        self.time = time
        trigger = p.trigger
        market = p.market
        qty = p.qty
        let view = p.positions.first { $0.market == p.market }
        let mark = view?.mark ?? .zero
        position = view?.qty ?? p.qty
        notional = qty.notional(at: mark, rounding: .up)
    }

    public var json: JSONValue {
        .object([
            JSONMember("liquidation", .number(String(liquidation))),
            JSONMember("account", .string(account.text)),
            JSONMember("time", .number(String(time))),
            JSONMember("trigger", .string(trigger.rawValue)),
            JSONMember("market", .string(market.text)),
            JSONMember("qty", .string(qty.description)),
            JSONMember("notional", .string(notional.description)),
            JSONMember("outcome", .string(outcome)),
            JSONMember("closedQty", finished.map { .string($0.closedQty.description) } ?? .null),
            JSONMember("penaltyPaid", finished.map { .string($0.penaltyPaid.description) } ?? .null),
            JSONMember("shortfall", finished.map { .string($0.shortfall.description) } ?? .null),
        ])
    }
}
