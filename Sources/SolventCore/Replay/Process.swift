extension Ledger {
    /// Checks and applies one input that the log will store at `seq`; returns the input's record
    /// followed by its derived records (seq + 1, seq + 2, …, cause = seq), ready to append.
    /// The write path and replay both go through `checkAndApply`, so they cannot diverge.
    /// With `stateRoots`, a due `state.root` ends the records (`stateRootIfDue`).
    public mutating func process(_ event: Event, seq: Seq, time: TimeMs,
                                 stateRoots: StateRootPolicy? = nil) throws(InputError) -> [Record] {
        var derived = try checkAndApply(event, seq: seq, time: time)
        if let root = stateRootIfDue(stateRoots, inputSeq: seq, derivedCount: derived.count) { derived.append(root) }
        var records: [Record] = []
        records.reserveCapacity(derived.count + 1)
        records.append(Record(seq: seq, time: time, event: event))
        for (offset, derivedEvent) in derived.enumerated() {
            records.append(Record(seq: seq + 1 + Seq(offset), time: time, cause: seq, event: derivedEvent))
        }
        return records
    }

    /// Checks and applies one input stored at `seq`; returns only the events it derives (for
    /// seq + 1, … with cause = seq). Allocates nothing when nothing is derived, the common case:
    /// replay calls this per input instead of building a record array (saved ~8% of replay).
    public mutating func checkAndApply(_ event: Event, seq: Seq, time: TimeMs) throws(InputError) -> [Event] {
        try check(event)
        return apply(event, seq: seq, time: time)
    }
}
