/// One position and the mark at which its account would be liquidated, others held fixed: the
/// input of a liquidation map (open interest by the price at which it would be liquidated).
public struct LiquidationLevel: Equatable, Sendable {
    public var account: AccountID
    /// Signed: a long is liquidated as the mark falls to the price, a short as it rises.
    public var qty: Quantity
    /// |qty| × mark, rounded up.
    public var notional: Money
    /// The engine's own liquidation price (`LiquidationPrice.liquidation`, the one `account`
    /// shows), rounded towards the side where the liquidation happens earlier.
    public var liquidationPrice: Price
}

extension Ledger {
    /// Every position in `market` with a liquidation price, in account order; nil when the
    /// market is not listed or has no mark. Accounts already being liquidated are left out (their
    /// position is in an auction already), and so are the reserved accounts (the fund is
    /// deleveraged, not liquidated). O(accounts × markets).
    public func liquidationLevels(market id: MarketID) -> [LiquidationLevel]? {
        guard let m = marketIndexByID[id], let mark = markets[m].mark else { return nil }
        var levels: [LiquidationLevel] = []
        let cells = markets[m].cells
        for index in cells.indices where index > Self.feesIndex && !cells[index].qty.isZero {
            let state = accounts.states[index]
            guard state.status != .liquidating else { continue }
            let line = positionLine(account: index, market: m, totals: marginTotals(account: index, cash: state.cash))
            guard let price = line.liquidationPrice else { continue }
            levels.append(LiquidationLevel(account: state.id, qty: line.qty,
                                           notional: line.qty.notional(at: mark, rounding: .up), liquidationPrice: price))
        }
        return levels
    }
}
