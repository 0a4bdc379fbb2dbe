// Auction caps (SPEC §5.9, MakerDAO's `Hole` and `ilk.hole`): the notional in running auctions is
// capped globally (`holeGlobal`, global parameters) and per market (`holeMarket`, that market's
// parameters), so a cascade cannot dump more on the bidders than they can absorb.
//
// - An auction's notional is `|remaining| × startPrice`, rounded up: what is still for sale, valued
//   where its curve started (its most generous price). It falls with every fill, vanishes when the
//   auction ends, and changes with a reset (new start price).
// - A liquidation whose auction would take a total above a cap is not started: it is deferred
//   (`liquidation.deferred {account, market, reason: "hole_global" | "hole_market"}`, the global
//   cap checked first). The account is flagged liquidating at once (no new exposure, no margin
//   calls) and joins the queue. Unlike Maker, which shrinks the liquidation to fit the room,
//   we keep the partial-liquidation size of SPEC §5.3 and wait.
// - An empty cap admits one auction whatever its size: a single position larger than the cap
//   would otherwise wait forever. (So a cap of 0 means one auction at a time.)
// - The queue is first in, first out: in the order liquidations were deferred, not by account id
//   as SPEC §5.9 words it, so that the account that crossed first is served first (issue 5). It is
//   FIFO per cap: a new or queued liquidation also waits while an earlier queued one waits for the
//   global cap, or for the cap of the same market, so small late liquidations cannot starve a
//   large early one. One waiting only for its halted market blocks nobody.
// - When room may have freed (after an input that filled, ended or reset an auction, resumed a
//   market, or changed parameters), the queue is walked in order. Each entry is re-assessed first:
//   recovered (no position, healthy, or only in the margin-call zone after a `maintenance`
//   deferral) it leaves the queue, its flag is cleared and the normal assessment applies;
//   otherwise its liquidation is sized afresh and starts if it fits, else it keeps its place.
//   An entry deferred for an expired margin call still in the zone stays due: the deferral must
//   not hand it a new grace period.
// Cost: O(1) per cap check (running totals and deferral counts kept by EngineBook, cross-checked
// in `invariantViolations`), O(queue) per walk.

/// What a deferred liquidation waits for.
enum DeferralWait: UInt8, Sendable {
    case holeGlobal = 0
    case holeMarket = 1
    /// Room was there but its account holds a position in a halted market.
    case halted = 2

    var reason: String {
        switch self {
        case .holeGlobal: "hole_global"
        case .holeMarket: "hole_market"
        case .halted: "halted"
        }
    }
}

/// A liquidation waiting for room under an auction cap.
struct DeferredLiquidation: Equatable, Sendable {
    var account: Int
    /// The market of the position it will close, as last sized.
    var market: Int
    /// Why it was due: kept so that an expired margin call stays expired while it waits.
    var trigger: LiquidationTrigger
    var wait: DeferralWait
}

extension Ledger {
    /// The notional an auction still puts on the market: `|remaining| × startPrice`, rounded up.
    static func capNotional(_ auction: RunningAuction) -> Money {
        auction.remaining.notional(at: auction.startPrice, rounding: .up)
    }

    /// What an auction for `qty` in market `m` would count against the caps if started now.
    func plannedNotional(market m: Int, qty: Quantity) -> Money {
        qty.notional(at: auctionStartPrice(market: m, direction: AuctionDirection(closing: qty)), rounding: .up)
    }

    /// Running auction notional: in total and in market `m`. O(1): kept by EngineBook.
    func auctionNotional(market m: Int) -> (global: Money, market: Money) {
        (engine.capTotal, engine.capByMarket[m] ?? .zero)
    }

    /// The cap a new auction of `notional` in market `m` must wait for, nil when it may start:
    /// one it would exceed (unless nothing runs under it), or one an earlier queued liquidation
    /// (counted in `ahead`) already waits for.
    func blockingCap(market m: Int, notional: Money, ahead: DeferralCounts) -> DeferralWait? {
        let running = auctionNotional(market: m)
        if running.global.isPositive && running.global + notional > globalParams.holeGlobal { return .holeGlobal }
        if ahead.global > 0 { return .holeGlobal }
        if running.market.isPositive && running.market + notional > markets[m].params.holeMarket { return .holeMarket }
        if ahead.byMarket[m, default: 0] > 0 { return .holeMarket }
        return nil
    }

    /// Queues account `index`'s liquidation and records why (SPEC §5.9 `liquidation.deferred`).
    mutating func deferLiquidation(account index: Int, market m: Int, trigger: LiquidationTrigger, wait: DeferralWait,
                                   into sink: inout DerivedSink) {
        if accounts.states[index].flags & AccountState.Flags.marginCall != 0, let call = engine.callIndex(account: index) { removeMarginCall(call) }
        accounts.states[index].flags |= AccountState.Flags.liquidating
        engine.addDeferred(DeferredLiquidation(account: index, market: m, trigger: trigger, wait: wait))
        var record = LiquidationDeferred()
        record.account = accounts.id(index)
        record.market = markets[m].id
        record.reason = wait.reason
        sink.append(.liquidationDeferred(record))
    }

    /// Whether this input can have made room under a cap (or let a halted entry go).
    func roomMayHaveFreed(after event: Event, sink: DerivedSink) -> Bool {
        if case .paramsSet = event { return true }
        return sink.events.contains { event in
            switch event.kind {
            case .auctionFill, .auctionEnded, .auctionReset, .marketResumed: true
            default: false
            }
        }
    }

    /// Walks the queue in order: recovered entries leave it, those that fit start, the rest wait.
    mutating func startDeferred(into sink: inout DerivedSink) {
        let queue = engine.deferred
        engine.replaceDeferred([])
        var kept: [DeferredLiquidation] = []
        var ahead = DeferralCounts()
        for entry in queue {
            guard let waiting = retryDeferred(entry, ahead: ahead, into: &sink) else { continue }
            kept.append(waiting)
            ahead.add(waiting)
        }
        // Nothing in a walk defers anew, but keep anything that did behind the older entries.
        engine.replaceDeferred(kept + engine.deferred)
    }

    /// One queued liquidation's turn; returns the entry (updated) if it must keep waiting.
    private mutating func retryDeferred(_ entry: DeferredLiquidation, ahead: DeferralCounts,
                                        into sink: inout DerivedSink) -> DeferredLiquidation? {
        let index = entry.account
        let totals = marginTotals(account: index, cash: accounts.states[index].cash)
        guard let trigger = stillDue(entry, totals: totals) else {
            accounts.states[index].flags &= ~AccountState.Flags.liquidating
            assess(account: index, into: &sink)
            return nil
        }
        var waiting = entry
        waiting.trigger = trigger
        guard !holdsHaltedMarket(account: index) else {
            waiting.wait = .halted
            return waiting
        }
        guard let m = largestMMPosition(account: index) else { preconditionFailure("a due liquidation without a position") }
        let qty = closingQuantity(account: index, market: m, totals: totals)
        if let wait = blockingCap(market: m, notional: plannedNotional(market: m, qty: qty), ahead: ahead) {
            waiting.market = m
            waiting.wait = wait
            return waiting
        }
        startLiquidation(account: index, market: m, qty: qty, trigger: trigger, totals: totals, into: &sink)
        return nil
    }

    /// The trigger a queued liquidation still has, nil when the account recovered.
    func stillDue(_ entry: DeferredLiquidation, totals: MarginTotals) -> LiquidationTrigger? {
        guard accounts.states[entry.account].openPositions > 0 else { return nil }
        switch assessment(totals) {
        case .liquidate(let trigger): return trigger
        case .marginCall: return entry.trigger == .marginCallExpired ? .marginCallExpired : nil
        case .healthy: return nil
        }
    }
}
