// Rules 2 (SPEC §5.7, docs/LIQUIDATION.md "The fund as a margined account"): the insurance fund
// is margined like a trader, on rates of its own (`fundImr`, `fundMmr`, global parameters since
// the fund spans every market), stricter than any tier. A backstop is taken only as far as the
// fund's equity afterwards stays ≥ its initial margin at the marks; a shortfall is paid only out
// of the equity above that margin.

/// The fund's margin at the marks.
struct FundMarginTotals: Equatable {
    var equity: Money
    /// Σ roundUp(notional × fundImr), Σ roundUp(notional × fundMmr).
    var im: Money
    var mm: Money

    /// What the fund may pay out: its equity above its initial margin.
    var payable: Money { max(.zero, equity - im) }
}

extension Ledger {
    /// The fund's equity, IM and MM at the marks, with `cash` and optionally one position replaced.
    func fundMargin(cash: Money? = nil, change: PositionChange? = nil) -> FundMarginTotals {
        let index = Self.insuranceIndex
        var totals = FundMarginTotals(equity: cash ?? accounts.states[index].cash, im: .zero, mm: .zero)
        let rates = (im: globalParams.fundImr, mm: globalParams.fundMmr)
        for m in markets.indices {
            let cell: PositionCell
            let mark: Price
            if let change, change.market == m {
                (cell, mark) = (change.cell, change.mark)
            } else {
                cell = markets[m].cell(index)
                guard !cell.qty.isZero else { continue }
                guard let current = markets[m].mark else { preconditionFailure("a position without a mark in \(markets[m].id)") }
                mark = current
            }
            guard !cell.qty.isZero else { continue }
            let (value, notional) = MarketState.valueAndNotional(qty: cell.qty, mark: mark)
            totals.equity += value
            totals.im += notional.times(rates.im, rounding: .up)
            totals.mm += notional.times(rates.mm, rounding: .up)
        }
        return totals
    }

    /// The part of `wanted` (signed: what the fund would take, as a `Fill`'s quantity) the fund
    /// can take at `price` in market `m` with its equity at the marks still ≥ its IM afterwards,
    /// in whole lots. Equity after is linear in the quantity taken and IM is |position| × mark ×
    /// fundImr, V-shaped with its low where the fund's position would be flat; so equity − IM is
    /// concave, greatest at none, at flat or at all of it, and falls past its greatest point:
    /// the largest fitting size is found by bisection from there.
    func fundCapacity(market m: Int, wanted: Quantity, at price: Price) -> Quantity {
        guard let mark = markets[m].mark, !wanted.isZero else { return .zero }
        let lot = markets[m].listing.lotSize.raw
        let lots = wanted.magnitude.raw / lot
        let sign: Int64 = wanted.isPositive ? 1 : -1
        func headroom(_ k: Int64) -> Money {
            guard k > 0 else { let now = fundMargin(); return now.equity - now.im }
            let fill = Fill(market: m, qty: Quantity(raw: sign * k * lot), price: price)
            let side = counterpartySide(.insurance, fill: fill)
            let after = fundMargin(cash: side.cash + side.cashDelta, change: PositionChange(market: m, cell: side.new, mark: mark))
            return after.equity - after.im
        }
        if !headroom(lots).isNegative { return wanted }
        let held = markets[m].cell(Self.insuranceIndex).qty
        let flatLots = held.isPositive == wanted.isPositive ? 0 : min(lots, held.magnitude.raw / lot)
        var best = 0 as Int64
        if flatLots > 0, headroom(flatLots) > headroom(0) { best = flatLots }
        guard !headroom(best).isNegative else { return .zero }
        var (fits, fails) = (best, lots)
        while fails - fits > 1 {
            let mid = fits + (fails - fits) / 2
            if headroom(mid).isNegative { fails = mid } else { fits = mid }
        }
        return Quantity(raw: sign * fits * lot)
    }
}
