// Rules 2's end of a liquidation and the fund's own maintenance (SPEC §5.7–5.8,
// docs/LIQUIDATION.md "The fund as a margined account"). The fund is never asked to carry more
// than its margin allows: what it cannot take goes to ADL at the bankruptcy price at once; what
// ADL cannot place at that price closes at the mark, and the deficit left is a `bad_debt` record.

extension Ledger {
    /// Closes auction `a`'s remainder at `price` (its account's bankruptcy price): to the fund as
    /// far as its margin allows (`fundCapacity`), the rest by exact ADL; then the fund's unwind
    /// starts for whatever it took.
    mutating func backstopMargined(auction a: Int, at price: Price, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        let taken = fundCapacity(market: auction.market, wanted: auction.remaining, at: price)
        var progress = ADLProgress()
        if !taken.isZero {
            let fill = Fill(market: auction.market, qty: taken, price: price)
            settleOnRunningTotal(fill, account: auction.account, counterparty: Self.insuranceIndex, closedBefore: .zero)
            progress.closed = taken
            recordFill(a, fill: fill, bidder: .insurance, penalty: .zero, into: &sink)
        }
        if let still = engine.auctionIndex(id: auction.id) {
            deleverageMargined(auction: still, at: price, progress: &progress, into: &sink)
        }
        if !taken.isZero { startFundUnwind(market: auction.market, after: auction.liquidation, into: &sink) }
    }

    /// ADL of auction `a`'s remainder: at `price` as far as counterparties' equity allows, then at
    /// the mark (where closing costs a counterparty nothing), the account keeping the deficit as
    /// bad debt. What no counterparty can take (all opposite holders liquidating) stays with the
    /// account, which is assessed again (`adl_exhausted`).
    mutating func deleverageMargined(auction a: Int, at price: Price, progress: inout ADLProgress, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        // The fund's part, if any, is in `progress` already and out of the remainder.
        let fundTaken = progress.closed
        deleverageExactly(owner: auction.account, market: auction.market, qty: auction.remaining, price: price,
                          id: auction.liquidation, progress: &progress, into: &sink)
        let atPrice = progress.closed - fundTaken
        let left = auction.remaining - atPrice
        var atMark = ADLProgress()
        if !left.isZero, let mark = markets[auction.market].mark, mark != price {
            deleverageExactly(owner: auction.account, market: auction.market, qty: left, price: mark,
                              id: auction.liquidation, progress: &atMark, into: &sink)
        }
        let closed = atPrice + atMark.closed
        engine.updateAuction(a) { $0.remaining -= closed }
        if let l = engine.liquidationIndex(id: auction.liquidation) {
            engine.liquidations[l].closedQty += closed.magnitude
            engine.liquidations[l].adlQty += closed.magnitude
        }
        endAuction(a, reason: engine.auctions[a].remaining.isZero ? "adl" : "adl_exhausted", into: &sink)
        for counterparty in Self.uniqueSorted(progress.counterparties + atMark.counterparties) { assess(account: counterparty, into: &sink) }
    }

    static func uniqueSorted(_ indices: [Int]) -> [Int] {
        var unique: [Int] = []
        for index in indices.sorted() where unique.last != index { unique.append(index) }
        return unique
    }

    /// Rules 2's payout at the end of a liquidation: the fund pays a shortfall only out of its
    /// equity above its IM; the rest is recorded as bad debt. Returns what the fund paid.
    mutating func payShortfallMargined(_ shortfall: Money, of liquidation: RunningLiquidation, into sink: inout DerivedSink) -> Money {
        let paid = min(shortfall, fundMargin().payable)
        if paid.isPositive { payFromFund(paid, to: liquidation, into: &sink) }
        let uncovered = shortfall - paid
        if uncovered.isPositive {
            var record = BadDebt()
            record.liquidation = liquidation.id
            record.account = accounts.id(liquidation.account)
            record.market = markets[liquidation.market].id
            record.amount = uncovered
            sink.append(.badDebt(record))
        }
        return paid
    }

    mutating func payFromFund(_ paid: Money, to liquidation: RunningLiquidation, into sink: inout DerivedSink) {
        accounts.states[Self.insuranceIndex].cash -= paid
        accounts.states[liquidation.account].cash += paid
        touchADL(liquidation.account)
        var absorbed = InsuranceAbsorbed()
        absorbed.liquidation = liquidation.id
        absorbed.account = accounts.id(liquidation.account)
        absorbed.amount = paid
        absorbed.fundAfter = accounts.states[Self.insuranceIndex].cash
        sink.append(.insuranceAbsorbed(absorbed))
    }

    /// Fund maintenance, after every input: a fund whose equity at the marks is ≤ its MM has every
    /// position closed by ADL in the same event, market by market in listing order, at the mark
    /// while its equity is ≥ 0, else at its bankruptcy price (so it keeps max(0, equity)).
    mutating func maintainFund(into sink: inout DerivedSink) {
        guard accounts.states[Self.insuranceIndex].openPositions > 0 else { return }
        let before = fundMargin()
        guard before.equity <= before.mm else { return }
        var touched: [Int] = []
        for m in markets.indices {
            let held = markets[m].cell(Self.insuranceIndex).qty
            guard !held.isZero, let mark = markets[m].mark else { continue }
            let margin = fundMargin()
            let price = margin.equity.isNegative ? (bankruptcyPrice(account: Self.insuranceIndex, market: m) ?? mark) : mark
            var record = InsuranceDeleveraged()
            record.market = markets[m].id
            record.qty = held
            record.price = price
            record.equity = margin.equity
            record.mm = margin.mm
            let id = sink.nextSeq
            sink.append(.insuranceDeleveraged(record))
            var progress = ADLProgress()
            deleverageExactly(owner: Self.insuranceIndex, market: m, qty: held, price: price, id: id, progress: &progress, into: &sink)
            touched += progress.counterparties
            let left = held - progress.closed
            if !left.isZero, price != mark {
                var atMark = ADLProgress()
                deleverageExactly(owner: Self.insuranceIndex, market: m, qty: left, price: mark, id: id, progress: &atMark, into: &sink)
                touched += atMark.counterparties
            }
            syncFundUnwind(market: m, into: &sink)
        }
        for counterparty in Self.uniqueSorted(touched) { assess(account: counterparty, into: &sink) }
    }

    /// Keeps the fund's unwind in market `m` equal to its position after its own ADL: ended
    /// (`adl`) when nothing is left, else shrunk to what is.
    mutating func syncFundUnwind(market m: Int, into sink: inout DerivedSink) {
        guard let a = engine.auctions.firstIndex(where: { $0.isFundUnwind && $0.market == m }) else { return }
        let position = markets[m].cell(Self.insuranceIndex).qty
        if position.isZero {
            endAuction(a, reason: "adl", into: &sink)
        } else {
            engine.updateAuction(a) { $0.remaining = position }
        }
    }
}
