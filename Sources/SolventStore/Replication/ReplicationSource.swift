import SolventCore

extension EventLog {
    /// Up to `limit` records from `first` on, as a leader sends them to a standby that asks from
    /// `first`: each record's canonical bytes and its prevHash exactly as stored, read in one
    /// read transaction. Request keys are not in them: the log indexes keys by key, not by seq,
    /// so a live stream takes them from the commit that wrote them (issue 26, to do).
    public func replicatedRecords(from first: Seq, limit: Int) throws -> [ReplicatedRecord] {
        try replicatedBatch(from: first, limit: limit).records
    }

    /// `replicatedRecords` with the chain hash after the last of them (the head hash a standby
    /// checks its own chain against before appending them). With `maxBytes`, it also stops once
    /// the records' bytes reach it (after at least one record), so that one message stays far
    /// below the link's frame bound however large the records are.
    public func replicatedBatch(from first: Seq, limit: Int, maxBytes: Int = .max) throws -> (records: [ReplicatedRecord], headHash: [UInt8]) {
        var records: [ReplicatedRecord] = []
        var bytes = 0
        try read { reader in
            try reader.forEach(from: first) { stored in
                records.append(ReplicatedRecord(seq: stored.seq, bytes: Array(stored.bytes), prevHash: Array(stored.prevHash)))
                bytes += stored.bytes.count
                return records.count < limit && bytes < maxBytes
            }
        }
        guard let last = records.last else { return ([], []) }
        let head = last.prevHash.withUnsafeBytes { previous in
            last.bytes.withUnsafeBytes { Hash32.chained(after: Hash32(previous), bytes: $0) }
        }
        return (records, head.bytes)
    }
}
