extension Ledger {
    /// Checks and applies one input that the log will store at `seq`; returns the input's record
    /// followed by its derived records (seq + 1, seq + 2, …, cause = seq), ready to append.
    /// The write path and replay both go through here, so they cannot diverge.
    public mutating func process(_ event: Event, seq: Seq, time: TimeMs) throws(InputError) -> [Record] {
        try check(event)
        let derived = apply(event, seq: seq, time: time)
        var records = [Record(seq: seq, time: time, event: event)]
        records.reserveCapacity(derived.count + 1)
        for (offset, derivedEvent) in derived.enumerated() {
            records.append(Record(seq: seq + 1 + Seq(offset), time: time, cause: seq, event: derivedEvent))
        }
        return records
    }
}
