import SolventCore

extension EventLog {
    /// Up to `limit` records from `first` on, as a leader sends them to a standby that asks from
    /// `first`: each record's canonical bytes and its prevHash exactly as stored, read in one
    /// read transaction. Request keys are not in them: the log indexes keys by key, not by seq,
    /// so a live stream takes them from the commit that wrote them (issue 26, to do).
    public func replicatedRecords(from first: Seq, limit: Int) throws -> [ReplicatedRecord] {
        var records: [ReplicatedRecord] = []
        try read { reader in
            try reader.forEach(from: first) { stored in
                records.append(ReplicatedRecord(seq: stored.seq, bytes: Array(stored.bytes), prevHash: Array(stored.prevHash)))
                return records.count < limit
            }
        }
        return records
    }
}
