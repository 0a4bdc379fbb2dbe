/// One market's risk figures as of `Ledger.lastSeq`, for the read-only dashboard (issue 25,
/// docs/DASHBOARD.md): what an exchange's risk screen shows per contract.
public struct MarketRiskView: Equatable, Sendable {
    public var market: MarketID
    public var mark: Price?
    /// Log time of the price that set the mark.
    public var markTimeMs: TimeMs
    public var halted: Bool
    /// Σ of the long positions (equal to Σ of the shorts: positions sum to zero).
    public var openInterest: Quantity
    /// Open interest valued at the mark (rounded up), zero without a mark.
    public var openInterestNotional: Money
    public var holders: Int
    /// Accounts in the margin-call zone holding this market.
    public var marginCalls: Int
    /// Running liquidations and auctions of positions in this market.
    public var liquidating: Int
    public var auctions: Int
}

extension Ledger {
    /// Every listed market's figures, in listing order. O(markets × (calls + liquidations)).
    public var marketViews: [MarketRiskView] {
        markets.indices.map { m in
            let market = markets[m]
            let calls = engine.calls.count { !market.cell($0.account).qty.isZero }
            return MarketRiskView(
                market: market.id, mark: market.mark, markTimeMs: market.markTimeMs, halted: market.halted,
                openInterest: market.longOpenInterest,
                openInterestNotional: market.mark.map { market.longOpenInterest.notional(at: $0, rounding: .up) } ?? .zero,
                holders: market.holders, marginCalls: calls,
                liquidating: engine.liquidations.count { $0.market == m },
                auctions: engine.auctions.count { $0.market == m })
        }
    }

    /// Listed market ids, in listing order.
    public var marketIDs: [MarketID] { markets.map(\.id) }
}
