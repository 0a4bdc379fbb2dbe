extension Ledger {
    /// Checks and applies one input that the log will store at `seq`; returns the input's record
    /// followed by its derived records (seq + 1, seq + 2, …, cause = seq), ready to append.
    /// The write path and replay both go through `checkAndApply`, so they cannot diverge.
    /// With `stateRoots`, a due `state.root` ends the records (`stateRootIfDue`).
    /// `event` is consumed: the write path hands it over, and it moves into the input's record.
    public mutating func process(_ event: consuming Event, seq: Seq, time: TimeMs,
                                 stateRoots: StateRootPolicy? = nil) throws(InputError) -> [Record] {
        var records: [Record] = []
        try process(event, seq: seq, time: time, stateRoots: stateRoots, appendingTo: &records)
        return records
    }

    /// `process`, appending the records to `records` (nothing when refused): the write path
    /// stages a whole group into one array this way, where an array per input was a malloc
    /// and a free each, and every record was copied from it into the group's.
    public mutating func process(_ event: consuming Event, seq: Seq, time: TimeMs, stateRoots: StateRootPolicy?,
                                 appendingTo records: inout [Record]) throws(InputError) {
        var derived = try checkAndApply(event, seq: seq, time: time)
        if let root = stateRootIfDue(stateRoots, inputSeq: seq, derivedCount: derived.count) { derived.append(root) }
        records.append(Record(seq: seq, time: time, event: event))
        for (offset, derivedEvent) in derived.enumerated() {
            records.append(Record(seq: seq + 1 + UInt64(offset), time: time, cause: seq, event: derivedEvent))
        }
    }

    /// Checks and applies one input stored at `seq`; returns only the events it derives (for
    /// seq + 1, … with cause = seq). Allocates nothing when nothing is derived, the common case:
    /// replay calls this per input instead of building a record array (saved ~8% of replay).
    public mutating func checkAndApply(_ event: Event, seq: Seq, time: TimeMs) throws(InputError) -> [Event] {
        try checkAndApply(event, seq: seq, time: time, resolved: .none)
    }

    /// `checkAndApply` with the event's market and account indices as far as replay knows them.
    mutating func checkAndApply(_ event: Event, seq: Seq, time: TimeMs, resolved: ResolvedIDs) throws(InputError) -> [Event] {
        try Self.checkTimeRange(time)
        if case .trade(let p) = event, passesCheck(p, resolved) {
            return apply(event, seq: seq, time: time, resolved: resolved)
        }
        let found = try checkResolving(event)
        return apply(event, seq: seq, time: time, resolved: resolved.filled(from: found))
    }

    /// Whether `check` passes a trade whose market and accounts are all resolved: the same
    /// rules (`Trade.validate`, `checkTrade` with its range checks) with indices standing in for names (a listed
    /// market; the reserved accounts are indices 0 and 1; same index, same account), which
    /// spares comparing four names per replayed trade. False sends the trade to `check`, which
    /// says what is wrong.
    @inline(__always)
    func passesCheck(_ p: Trade, _ resolved: ResolvedIDs) -> Bool {
        guard resolved.market >= 0, resolved.first >= 0, resolved.second >= 0 else { return false }
        let tick = markets[Int(resolved.market)].listing.tickSize.raw
        let lot = markets[Int(resolved.market)].listing.lotSize.raw
        return p.qty.isPositive && p.price.isPositive && (p.buyerFee ?? .zero) >= .zero && (p.sellerFee ?? .zero) >= .zero
            && resolved.first != resolved.second
            && p.price.raw % tick == 0 && p.qty.raw % lot == 0
            && Int(resolved.first) != Self.insuranceIndex && Int(resolved.first) != Self.feesIndex
            && Int(resolved.second) != Self.insuranceIndex && Int(resolved.second) != Self.feesIndex
            && (try? checkTradeRange(p, market: Int(resolved.market), buyer: Int(resolved.first), seller: Int(resolved.second))) != nil
    }
}
