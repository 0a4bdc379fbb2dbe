/// What the liquidation engine holds right now, for the daemon's metrics and its clock.
public struct EngineFigures: Equatable, Sendable {
    public var marginCalls: Int
    public var runningLiquidations: Int
    public var runningAuctions: Int
    public var deferredLiquidations: Int
    /// The insurance fund's cash.
    public var insuranceFund: Money
}

extension Ledger {
    /// O(1): counts of the engine's lists and the fund's cash.
    public var engineFigures: EngineFigures {
        EngineFigures(
            marginCalls: engine.calls.count,
            runningLiquidations: engine.liquidations.count,
            runningAuctions: engine.auctions.count,
            deferredLiquidations: engine.deferred.count,
            insuranceFund: accounts.states[Self.insuranceIndex].cash)
    }

    /// Whether a `clock` input now could derive anything: the engine runs after an input only
    /// while it holds a margin call, liquidation, auction or deferral, or some market has open
    /// positions (a stale price halts it, SPEC §5.9). With neither, a tick would only move time,
    /// which the next input's own time does anyway — so the daemon may skip it.
    public var awaitsTime: Bool {
        !engine.isEmpty || markets.contains { $0.holders > 0 }
    }

    /// Σ −cash over accounts left with negative cash and no position: the shortfall neither the
    /// fund nor ADL covered (LIQUIDATION.md, "recorded bad debt"). O(accounts): the daemon
    /// refreshes it at most once a second, never per commit.
    public func badDebt() -> Money {
        var total = Money.zero
        for state in accounts.states where state.openPositions == 0 && state.cash.isNegative {
            total -= state.cash
        }
        return total
    }
}
