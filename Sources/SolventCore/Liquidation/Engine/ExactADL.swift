// Rules 2's auto-deleveraging (SPEC §5.8, docs/LIQUIDATION.md "Exact ADL"): the deleveraged
// side — a liquidated account, or the fund closing its own position — is rounded on the running
// total of the quantity closed at one price, so k fills leave it exactly where one fill of their
// sum would: a long receives ⌊cumᵢ·P⌋ − ⌊cumᵢ₋₁·P⌋, a short pays ⌈cumᵢ·P⌉ − ⌈cumᵢ₋₁·P⌉.
// Counterparties keep the trade's own rounding (payer up, receiver down); each increment lies
// between the two, so the difference, the dust, is ≥ 0 and goes to `insurance` as for any trade.

/// The quantity of one deleveraging already closed at one price, and who was closed against.
struct ADLProgress {
    /// Signed: what counterparties took so far (a `Fill`'s sign).
    var closed = Quantity.zero
    var counterparties: [Int] = []
}

extension Ledger {
    /// Closes up to `qty` (signed as a `Fill`: what the counterparties take) of `owner`'s position
    /// in market `m` at `price` against the opposite holders in ranking order, each taking only
    /// what keeps its own equity ≥ 0 (`adlCapacity`). `progress` carries the running total from
    /// a fill already made at the same price (the fund's part of a backstop). `adl` records name
    /// `id`: the liquidation, or the fund's `insurance.deleveraged` record.
    mutating func deleverageExactly(owner: Int, market m: Int, qty: Quantity, price: Price, id: Seq,
                                    progress: inout ADLProgress, into sink: inout DerivedSink) {
        let target = progress.closed + qty
        var ranking = adlRanking(market: m, opposite: qty, excluding: owner)
        while let (counterparty, score) = ranking.next(in: self) {
            let left = target - progress.closed
            guard !left.isZero else { break }
            let theirs = markets[m].cell(counterparty).qty
            let wanted = min(theirs.magnitude, left.magnitude)
            let size = adlCapacity(counterparty, market: m, wanted: wanted, taking: left.isPositive, at: price)
            guard size.isPositive else { continue }
            let fill = Fill(market: m, qty: left.isPositive ? size : -size, price: price)
            settleOnRunningTotal(fill, account: owner, counterparty: counterparty, closedBefore: progress.closed.magnitude)
            progress.closed += fill.qty
            progress.counterparties.append(counterparty)
            var record = ADL()
            record.liquidation = id
            record.account = accounts.id(counterparty)
            record.market = markets[m].id
            record.qty = size
            record.price = price
            record.rankScore = score
            sink.append(.adl(record))
        }
    }

    /// `settle`, except that `account`'s cash is rounded on the running total `closedBefore` +
    /// this fill (file comment); the counterparty's is the trade's own.
    mutating func settleOnRunningTotal(_ fill: Fill, account: Int, counterparty: Int, closedBefore: Quantity) {
        let m = fill.market
        let theirs = markets[m].cell(counterparty)
        let theirCost = fill.counterpartyBuys ? fill.paid : -fill.received
        let theirCash = fill.counterpartyBuys ? -fill.paid : fill.received
        move(counterparty, market: m, to: theirs.afterTrade(delta: fill.qty, price: fill.price, signedCost: theirCost), cashDelta: theirCash)
        let closedAfter = closedBefore + fill.qty.magnitude
        // The account sells when the counterparty buys: it receives the floor's increment; else
        // it buys back and pays the ceiling's.
        let ours = fill.counterpartyBuys
            ? closedAfter.value(at: fill.price, rounding: .down) - closedBefore.value(at: fill.price, rounding: .down)
            : closedAfter.value(at: fill.price, rounding: .up) - closedBefore.value(at: fill.price, rounding: .up)
        let cell = markets[m].cell(account)
        let ourCost = fill.counterpartyBuys ? -ours : ours
        move(account, market: m, to: cell.afterTrade(delta: -fill.qty, price: fill.price, signedCost: ourCost),
             cashDelta: fill.counterpartyBuys ? ours : -ours)
        let dust = fill.counterpartyBuys ? fill.paid - ours : ours - fill.received
        precondition(!dust.isNegative, "exact ADL rounding left negative dust")
        accounts.states[Self.insuranceIndex].cash += dust
    }
}
