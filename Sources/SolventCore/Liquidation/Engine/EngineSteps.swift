// When the engine looks at what (SPEC §5): after every input, the accounts it can have moved
// are assessed, in a fixed order, and time-driven steps run on `clock`.

extension Ledger {
    /// Runs the liquidation engine after `event` was applied; appends what it decides to `sink`.
    /// `settled`: the trade's sides with their totals, when `event` is a trade that was applied.
    /// `resolved`: the event's market and account indices as far as replay knows them; an
    /// unknown one (−1) is looked up by id. A deposit's lookup by id was a cache miss into the
    /// 100k-account hash table, ~20% of this function in `bench replay`.
    mutating func runEngine(after event: Event, settled: SettledTrade? = nil, resolved: ResolvedIDs = .none,
                            into sink: inout DerivedSink) {
        let derivedBefore = sink.events.count
        // Every record moves time, so any input can find a market stale (SPEC §5.9); halting
        // first means nothing below acts on a price that has just gone stale.
        haltStaleMarkets(into: &sink)
        switch event {
        case .oraclePrice(let p):
            if let m = ResolvedIDs.known(resolved.market) ?? marketIndexByID[p.market] { afterOraclePrice(market: m, into: &sink) }
        case .funding(let p):
            if let m = ResolvedIDs.known(resolved.market) ?? marketIndexByID[p.market] { assessHolders(market: m, into: &sink) }
        case .trade(let p):
            // Buyer then seller, without a `[buyer, seller]` array (an allocation per trade).
            if let settled {
                assess(account: settled.buyer, totals: settled.buyerTotals, into: &sink)
                // Anything the engine derived so far (a halt, the buyer's liquidation, which may
                // settle against the seller) may have moved the seller: then compute afresh.
                let sellerTotals = sink.events.count == derivedBefore ? settled.sellerTotals : nil
                assess(account: settled.seller, totals: sellerTotals, into: &sink)
                break
            }
            if let index = accounts.index(of: p.buyer) { assess(account: index, into: &sink) }
            if let index = accounts.index(of: p.seller) { assess(account: index, into: &sink) }
        case .withdrawal(let p):
            if let index = ResolvedIDs.known(resolved.first) ?? accounts.index(of: p.account) { assess(account: index, into: &sink) }
        case .deposit(let p):
            if let index = ResolvedIDs.known(resolved.first) ?? accounts.index(of: p.account) {
                assessAfterDeposit(account: index, into: &sink)
            }
        case .paramsSet:
            // callBuffer moves every zone; rare enough to look at every holder.
            for m in markets.indices { assessHolders(market: m, into: &sink) }
        case .auctionBid(let p):
            applyBid(p, into: &sink)
        case .clock:
            advanceAuctions(into: &sink)
        default:
            break
        }
        // A margin-call deadline passes with any event, not only a clock tick (SPEC §5.1).
        // Asked first without building the list: calls are often open, rarely expiring, and the
        // list was an allocation per replayed event while any call was open.
        if engine.calls.contains(where: { $0.deadline.map { $0 <= sink.time } ?? false }) {
            for index in expiredCalls(at: sink.time) { assess(account: index, into: &sink) }
        }
        if !engine.deferred.isEmpty && roomMayHaveFreed(after: event, sink: sink) { startDeferred(into: &sink) }
        // Rules 2: last, so that the fund is judged on every mark, fill and payout of this input.
        if rules.fundIsMargined { maintainFund(into: &sink) }
    }
}
