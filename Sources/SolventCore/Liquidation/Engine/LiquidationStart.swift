// Starting a liquidation (SPEC §5.3–5.4): pick the position with the largest MM contribution,
// size the partial close, record every input of the decision, and open its auction.

extension Ledger {
    /// Starts a liquidation of account `index` unless a guard stops it (SPEC §5.9): nothing while
    /// it holds a position in a halted market, deferred while its auction would not fit a cap.
    mutating func beginLiquidation(account index: Int, trigger: LiquidationTrigger, totals: MarginTotals, into sink: inout DerivedSink) {
        guard !holdsHaltedMarket(account: index), let m = largestMMPosition(account: index) else { return }
        let qty = closingQuantity(account: index, market: m, totals: totals)
        if let wait = blockingCap(market: m, notional: plannedNotional(market: m, qty: qty), ahead: engine.waiting) {
            deferLiquidation(account: index, market: m, trigger: trigger, wait: wait, into: &sink)
            return
        }
        startLiquidation(account: index, market: m, qty: qty, trigger: trigger, totals: totals, into: &sink)
    }

    /// Records the decision and opens the auction for `qty` of the account's position in `m`.
    mutating func startLiquidation(account index: Int, market m: Int, qty: Quantity, trigger: LiquidationTrigger,
                                   totals: MarginTotals, into sink: inout DerivedSink) {
        if accounts.states[index].flags & AccountState.Flags.marginCall != 0, let call = engine.callIndex(account: index) { removeMarginCall(call) }
        guard let mark = markets[m].mark else { preconditionFailure("a position without a mark") }
        accounts.states[index].flags |= AccountState.Flags.liquidating
        let id = sink.nextSeq
        sink.append(.liquidationStarted(decisionRecord(account: index, id: id, trigger: trigger, totals: totals, market: m, qty: qty)))
        engine.liquidations.append(RunningLiquidation(id: id, account: index, market: m, notional: qty.notional(at: mark, rounding: .up)))
        startAuction(liquidation: id, account: index, market: m, qty: qty, into: &sink)
    }

    /// The market whose position adds the most MM (ties: the market listed first).
    func largestMMPosition(account index: Int) -> Int? {
        var best: (market: Int, mm: Money)?
        for m in markets.indices {
            let cell = markets[m].cell(index)
            guard !cell.qty.isZero, let mark = markets[m].mark else { continue }
            let mm = markets[m].margin(qty: cell.qty, openCost: cell.openCost, mark: mark).mm
            if best == nil || mm > best!.mm { best = (m, mm) }
        }
        return best?.market
    }

    /// The smallest multiple of `liqStep` of the position (rounded up to the lot) that, closed at
    /// the mark and after its penalty, takes the account out of the margin-call zone; the whole
    /// position if none does, or if the rest would be under `dustNotional` (SPEC §5.3).
    func closingQuantity(account index: Int, market m: Int, totals: MarginTotals) -> Quantity {
        let cell = markets[m].cell(index)
        let params = markets[m].params
        guard let mark = markets[m].mark, params.liqStep.isPositive else { return cell.qty }
        var fraction = params.liqStep
        while fraction < .one {
            let close = partialMagnitude(cell.qty.magnitude, fraction: fraction, market: m, mark: mark)
            if close == cell.qty.magnitude { return cell.qty }
            let signed = cell.qty.isPositive ? close : -close
            if leavesCallZone(account: index, market: m, closing: signed, mark: mark) { return signed }
            fraction = fraction + params.liqStep
        }
        return cell.qty
    }

    /// `|q| × fraction` rounded up to the lot; all of `|q|` when the rest would be dust.
    func partialMagnitude(_ magnitude: Quantity, fraction: Rate, market m: Int, mark: Price) -> Quantity {
        let lot = markets[m].listing.lotSize.raw
        let exact = magnitude.times(fraction, rounding: .up).raw
        let close = Quantity(raw: min(magnitude.raw, (exact + lot - 1) / lot * lot))
        let rest = magnitude - close
        if rest.isPositive && rest.notional(at: mark, rounding: .up) < markets[m].params.dustNotional { return magnitude }
        return close
    }

    /// Whether closing `signed` of the position at `mark`, penalty paid, leaves the account
    /// above the margin-call zone.
    func leavesCallZone(account index: Int, market m: Int, closing signed: Quantity, mark: Price) -> Bool {
        let cell = markets[m].cell(index)
        let remaining = cell.afterTrade(delta: -signed, price: mark, signedCost: .zero)
        let proceeds = signed.value(at: mark, rounding: .down)
        let notional = signed.notional(at: mark, rounding: .up)
        let penalty = notional.times(Penalty.feeRate(liquidatedNotional: notional, params: markets[m].params), rounding: .up)
        let cash = accounts.states[index].cash + proceeds - penalty
        let after = marginTotals(account: index, cash: cash, change: PositionChange(market: m, cell: remaining, mark: mark))
        return after.equity >= callZoneTop(after) && after.equity > after.mm
    }

    /// `liquidation.started`: everything the decision used (SPEC §4).
    func decisionRecord(account index: Int, id: Seq, trigger: LiquidationTrigger, totals: MarginTotals, market m: Int, qty: Quantity) -> LiquidationStarted {
        var record = LiquidationStarted()
        record.liquidation = id
        record.account = accounts.id(index)
        record.trigger = trigger
        record.equity = totals.equity
        record.mm = totals.mm
        record.im = totals.im
        record.paramsVersion = markets[m].paramsVersion
        record.positions = positionViews(account: index)
        record.market = markets[m].id
        record.qty = qty
        return record
    }

    func positionViews(account index: Int) -> [PositionView] {
        markets.compactMap { market in
            let cell = market.cell(index)
            guard !cell.qty.isZero, let mark = market.mark else { return nil }
            let margin = market.margin(qty: cell.qty, openCost: cell.openCost, mark: mark)
            var view = PositionView()
            view.market = market.id
            view.qty = cell.qty
            view.mark = mark
            view.tier = Int64(margin.tier)
            view.value = margin.value
            view.mm = margin.mm
            return view
        }
    }
}
