// Dutch auctions (SPEC §5.4–5.5): the engine sells a liquidated long (price falling from
// mark × (1 + auctionBuffer)) or buys back a short (rising from mark × (1 − auctionBuffer)) along
// MakerDAO's abaci curves (`AuctionPrice`); bids fill in log order at the current price.

extension Ledger {
    mutating func startAuction(liquidation: Seq, account index: Int, market m: Int, qty: Quantity, into sink: inout DerivedSink) {
        let id = sink.nextSeq
        let start = auctionStartPrice(market: m, direction: AuctionDirection(closing: qty))
        let auction = RunningAuction(id: id, liquidation: liquidation, account: index, market: m, remaining: qty,
                                     startPrice: start, startTimeMs: sink.time)
        engine.addAuction(auction)
        var record = AuctionStarted()
        record.auction = id
        record.liquidation = liquidation
        record.account = accounts.id(index)
        record.market = markets[m].id
        record.qty = -qty
        record.startPrice = start
        record.bankruptcyPrice = bankruptcyPrice(account: index, market: m)
        record.curve = markets[m].params.curve
        sink.append(.auctionStarted(record))
    }

    /// `mark × (1 ± auctionBuffer)`, rounded against the liquidated account (down when it
    /// sells, up when it buys), like the curve itself.
    func auctionStartPrice(market m: Int, direction: AuctionDirection) -> Price {
        guard let mark = markets[m].mark else { preconditionFailure("an auction without a mark") }
        let buffer = markets[m].params.auctionBuffer
        switch direction {
        case .falling: return mark.times(.one + buffer, rounding: .down)
        case .rising: return mark.times(.one - buffer, rounding: .up)
        }
    }

    /// The price at which the account's equity is zero with its other positions held at their
    /// marks (SPEC §3), nil when no positive price exists.
    func bankruptcyPrice(account index: Int, market m: Int) -> Price? {
        let cell = markets[m].cell(index)
        guard !cell.qty.isZero, let mark = markets[m].mark else { return nil }
        let totals = marginTotals(account: index, cash: accounts.states[index].cash)
        let otherAndCash = totals.equity - cell.qty.value(at: mark, rounding: .down)
        return LiquidationPrice.bankruptcy(qty: cell.qty, cashPlusOtherValue: otherAndCash)
    }

    /// The auction's price at `time` on its market's curve.
    func auctionPrice(_ auction: RunningAuction, at time: TimeMs) -> Price {
        let params = markets[auction.market].params
        return AuctionPrice.price(curve: params.curve, start: auction.startPrice, elapsedMs: max(0, time - auction.startTimeMs),
                                  direction: auction.direction, params: params)
    }

    /// Moves every running auction to `time` (SPEC §5.4, §5.7): backstop at the bankruptcy price
    /// once the curve reaches it, reset after `tail` or past `cusp`. In id order.
    mutating func advanceAuctions(into sink: inout DerivedSink) {
        for id in engine.auctions.map(\.id) {
            guard let a = engine.auctionIndex(id: id) else { continue }
            // A halted market's auctions stand still until its price is fresh (OracleGuard.swift).
            guard !markets[engine.auctions[a].market].halted else { continue }
            advance(auction: a, into: &sink)
        }
    }

    /// What `clock` does to auction `a` at the sink's time: ends it if its account recovered,
    /// closes the remainder at the bankruptcy price once the curve has reached it, or resets it.
    /// Rules 2 also runs it for an auction when a bid arrives (`applyBid`), so no bid fills past
    /// a reset or below the bankruptcy price in the gap between two clocks.
    mutating func advance(auction a: Int, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        if auction.isFundUnwind { advanceFundUnwind(a, into: &sink); return }
        if endIfRecovered(auction: a, into: &sink) { return }
        let price = auctionPrice(auction, at: sink.time)
        guard let bankruptcy = bankruptcyPrice(account: auction.account, market: auction.market) else {
            // Not recovered and no bankruptcy price: a short bankrupt at every price (its
            // cash and other positions are worth ≤ 0). No curve price can be worse for it:
            // close the rest now at the current price; the deficit is the shortfall.
            backstop(auction: a, at: price, into: &sink)
            return
        }
        if reached(bankruptcy, price: price, direction: auction.direction) {
            backstop(auction: a, at: bankruptcy, into: &sink)
        } else if needsReset(auction, price: price, time: sink.time) {
            resetAuction(a, into: &sink)
        }
    }

    /// Whether auction `a`'s account no longer needs it (docs/LIQUIDATION.md "Recovery"): its
    /// assessment with the whole position is healthy (neither liquidatable nor in the margin-call
    /// zone), or it has no bankruptcy price while its equity is positive (a long that no price
    /// can bankrupt: the curve has nothing to reach). A fill above the bankruptcy price, a
    /// deposit or funding can bring either about, and the curve would then only reset forever.
    func hasRecovered(_ auction: RunningAuction) -> Bool {
        let totals = marginTotals(account: auction.account, cash: accounts.states[auction.account].cash)
        if assessment(totals) == .healthy { return true }
        return totals.equity.isPositive && bankruptcyPrice(account: auction.account, market: auction.market) == nil
    }

    /// Ends auction `a` as `recovered` and finishes its liquidation (which assesses the account
    /// again) when its account has recovered; returns whether it did.
    @discardableResult
    mutating func endIfRecovered(auction a: Int, into sink: inout DerivedSink) -> Bool {
        // The fund's unwind sells all it took: the fund has no zone to recover into.
        guard !engine.auctions[a].isFundUnwind, hasRecovered(engine.auctions[a]) else { return false }
        endAuction(a, reason: "recovered", into: &sink)
        return true
    }

    func reached(_ bankruptcy: Price, price: Price, direction: AuctionDirection) -> Bool {
        direction == .falling ? price <= bankruptcy : price >= bankruptcy
    }

    /// Older than `tail`, or moved by more than `1 − cusp` of its start price (Maker's `tail`
    /// and `cusp`, mirrored for a rising auction).
    func needsReset(_ auction: RunningAuction, price: Price, time: TimeMs) -> Bool {
        let params = markets[auction.market].params
        if time - auction.startTimeMs > params.tailMs { return true }
        let moved = auction.direction == .falling ? auction.startPrice - price : price - auction.startPrice
        let allowed = auction.startPrice.times(.one - params.cusp, rounding: .down)
        return moved > allowed
    }

    mutating func resetAuction(_ a: Int, reason: String = "tail_or_cusp", into sink: inout DerivedSink) {
        let start = auctionStartPrice(market: engine.auctions[a].market, direction: engine.auctions[a].direction)
        let time = sink.time
        engine.updateAuction(a) { auction in
            auction.startPrice = start
            auction.startTimeMs = time
        }
        var record = AuctionReset()
        record.auction = engine.auctions[a].id
        record.startPrice = start
        record.reason = reason
        sink.append(.auctionReset(record))
    }
}
