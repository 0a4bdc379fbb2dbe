// The end of a liquidation (SPEC §5.7–5.8): an auction that reaches the bankruptcy price closes
// its remainder there against the insurance fund when the fund can carry it, else against the
// opposite side by auto-deleveraging; a bankrupt account's shortfall is paid by the fund.

extension Ledger {
    mutating func endAuction(_ a: Int, reason: String, into sink: inout DerivedSink) {
        let auction = engine.removeAuction(at: a)
        var record = AuctionEnded()
        record.auction = auction.id
        record.reason = reason
        record.remaining = auction.remaining.magnitude
        sink.append(.auctionEnded(record))
        guard let l = engine.liquidationIndex(id: auction.liquidation) else { return }
        finishLiquidation(l, into: &sink)
    }

    /// Closes the auction's remainder at the bankruptcy price: to the fund if it can carry the
    /// position (its `available` stays ≥ 0, as for any trade), which then unwinds it at once
    /// (FundUnwind.swift), else by ADL.
    mutating func backstop(auction a: Int, at bankruptcy: Price, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        precondition(!auction.isFundUnwind, "the fund's unwind never backstops into the fund")
        if rules.fundIsMargined {
            backstopMargined(auction: a, at: bankruptcy, into: &sink)
            return
        }
        let fill = Fill(market: auction.market, qty: auction.remaining, price: bankruptcy)
        let fund = counterpartySide(.insurance, fill: fill)
        if rejection(fund, market: auction.market, mark: bankruptcy).reason == nil {
            settle(fill, account: auction.account, counterparty: Self.insuranceIndex)
            recordFill(a, fill: fill, bidder: .insurance, penalty: .zero, into: &sink)
            startFundUnwind(market: auction.market, after: auction.liquidation, into: &sink)
            return
        }
        deleverage(auction: a, at: bankruptcy, into: &sink)
    }

    /// SPEC §5.8: opposite positions ranked by PnL% × effective leverage (BitMEX), ties by
    /// account id, closed at the bankruptcy price until the remainder is gone. Each takes only
    /// what keeps its own equity ≥ 0 (`adlCapacity`): ADL never makes new bad debt (SPEC §5.10).
    mutating func deleverage(auction a: Int, at bankruptcy: Price, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        var deleveraged: [Int] = []
        var ranking = adlRanking(market: auction.market, opposite: auction.remaining, excluding: auction.account)
        while let (counterparty, score) = ranking.next(in: self) {
            let remaining = engine.auctions[a].remaining
            guard !remaining.isZero else { break }
            let theirs = markets[auction.market].cell(counterparty).qty
            let wanted = min(theirs.magnitude, remaining.magnitude)
            let size = adlCapacity(counterparty, market: auction.market, wanted: wanted, taking: remaining.isPositive, at: bankruptcy)
            guard size.isPositive else { continue }
            let fill = Fill(market: auction.market, qty: remaining.isPositive ? size : -size, price: bankruptcy)
            settle(fill, account: auction.account, counterparty: counterparty)
            engine.updateAuction(a) { $0.remaining -= fill.qty }
            if let l = engine.liquidationIndex(id: auction.liquidation) {
                engine.liquidations[l].closedQty += size
                engine.liquidations[l].adlQty += size
            }
            var record = ADL()
            record.liquidation = auction.liquidation
            record.account = accounts.id(counterparty)
            record.market = markets[auction.market].id
            record.qty = size
            record.price = bankruptcy
            record.rankScore = score
            sink.append(.adl(record))
            deleveraged.append(counterparty)
        }
        endAuction(a, reason: engine.auctions[a].remaining.isZero ? "adl" : "adl_exhausted", into: &sink)
        for counterparty in deleveraged.sorted() { assess(account: counterparty, into: &sink) }
    }

    /// How much of `wanted` (magnitude) counterparty `index` can close at `price` with its
    /// equity at the marks still ≥ 0 afterwards; `buys`: it buys (closes a short). Closing at a
    /// price worse than the mark costs `|price − mark|` per unit, so the most it can take is
    /// `equity / |price − mark|`, down to the lot, then checked exactly against the settled
    /// cash and position (the trade's rounding can cost a raw unit or two: one lot less each
    /// time, at most `adlRoundingLots` times, else nothing). A counterparty with equity ≤ 0
    /// takes nothing; at a price no worse than the mark, everything.
    func adlCapacity(_ index: Int, market m: Int, wanted: Quantity, taking buys: Bool, at price: Price) -> Quantity {
        guard let mark = markets[m].mark else { return .zero }
        func equityAfter(_ size: Quantity) -> Money {
            let fill = Fill(market: m, qty: buys ? size : -size, price: price)
            let side = counterpartySide(accounts.id(index), fill: fill)
            return marginTotals(account: index, cash: side.cash + side.cashDelta,
                                change: PositionChange(market: m, cell: side.new, mark: mark)).equity
        }
        if !equityAfter(wanted).isNegative { return wanted }
        let equity = marginTotals(account: index, cash: accounts.states[index].cash).equity
        let perUnit = Int128(buys ? price.raw - mark.raw : mark.raw - price.raw)
        guard equity.isPositive, perUnit > 0 else { return .zero }
        let lot = markets[m].listing.lotSize.raw
        let affordable = Int128(equity.raw) * Int128(fixedScale) / perUnit
        var size = Quantity(raw: Int64(min(affordable, Int128(wanted.raw))) / lot * lot)
        for _ in 0..<Self.adlRoundingLots {
            guard size.isPositive else { return .zero }
            if !equityAfter(size).isNegative { return size }
            size = size - Quantity(raw: lot)
        }
        return .zero
    }

    /// Bound on `adlCapacity`'s step-down for rounding (each step is one lot).
    static let adlRoundingLots = 4

    /// The rank score of account `index` holding `cell` in market `m` at `mark`. The same numbers
    /// as `markets[m].margin(…).upnl`/`.notional` and `marginTotals(…).equity` (value rounded
    /// down, notional up, equity = cash + Σ value in market order), without the tiers, MM and
    /// IM the score does not use: scoring every holder is the ranking's O(n) part.
    func adlScore(account index: Int, cell: PositionCell, market m: Int, mark: Price) -> Rate {
        let value = cell.qty.value(at: mark, rounding: .down)
        let notional = cell.qty.notional(at: mark, rounding: .up)
        var equity = accounts.states[index].cash
        for other in markets.indices {
            if other == m {
                equity += value
                continue
            }
            let held = markets[other].cell(index)
            guard !held.qty.isZero else { continue }
            guard let otherMark = markets[other].mark else { preconditionFailure("a position without a mark in \(markets[other].id)") }
            equity += held.qty.value(at: otherMark, rounding: .down)
        }
        return adlScore(upnl: value - cell.openCost, openCost: cell.openCost, notional: notional, equity: equity)
    }

    /// BitMEX's ranking: PnL% × effective leverage when in profit, PnL% ÷ leverage when at a loss
    /// (rules 2; rules 1 multiplied in both cases, ranking the most leveraged losers last).
    func adlScore(upnl: Money, openCost: Money, notional: Money, equity: Money) -> Rate {
        guard equity.isPositive, !openCost.isZero else { return Rate(raw: Int64.min / 2) }
        let pnlPercent = FixedMath.mulDivRoundingDown(upnl.raw, fixedScale, openCost.magnitude.raw)
        let leverage = FixedMath.mulDivRoundingDown(notional.raw, fixedScale, equity.raw)
        if rules.fundIsMargined, pnlPercent < 0 {
            guard leverage > 0 else { return Rate(raw: Int64.min / 2) }
            return Rate(raw: Int64(clamping: Int128(pnlPercent) * Int128(fixedScale) / Int128(leverage)))
        }
        let score = Int128(pnlPercent) * Int128(leverage) / Int128(fixedScale)
        return Rate(raw: Int64(clamping: score))
    }

    /// What the fund can pay towards a shortfall: its cash, but no more than its equity at the
    /// marks. A fund holding a short from a backstop has the sale's proceeds in its cash; paying
    /// them out would leave it worth less than zero while its unwind buys the short back.
    func fundCanPay() -> Money {
        let cash = accounts.states[Self.insuranceIndex].cash
        let equity = marginTotals(account: Self.insuranceIndex, cash: cash).equity
        return max(.zero, min(cash, equity))
    }

    /// Ends a liquidation: a bankrupt account left with no position has its shortfall paid by the
    /// fund as far as the fund goes; the rest stays as recorded bad debt. Then the account is
    /// assessed again, and a new liquidation may start at once (SPEC §5).
    mutating func finishLiquidation(_ l: Int, into sink: inout DerivedSink) {
        let liquidation = engine.liquidations.remove(at: l)
        let index = liquidation.account
        accounts.states[index].flags &= ~AccountState.Flags.liquidating
        var totals = marginTotals(account: index, cash: accounts.states[index].cash)
        let shortfall = accounts.states[index].openPositions == 0 ? max(.zero, -totals.equity) : .zero
        let paid: Money
        if rules.fundIsMargined {
            paid = payShortfallMargined(shortfall, of: liquidation, into: &sink)
        } else {
            paid = min(shortfall, fundCanPay())
            if paid.isPositive { payFromFund(paid, to: liquidation, into: &sink) }
        }
        if paid.isPositive { totals = marginTotals(account: index, cash: accounts.states[index].cash) }
        var finished = LiquidationFinished()
        finished.liquidation = liquidation.id
        finished.account = accounts.id(index)
        finished.closedQty = liquidation.closedQty
        finished.penaltyPaid = liquidation.penaltyPaid
        finished.shortfall = shortfall
        finished.insurancePaid = paid
        finished.adlQty = liquidation.adlQty
        finished.equityAfter = totals.equity
        sink.append(.liquidationFinished(finished))
        assess(account: index, into: &sink)
    }
}
