import SolventCore

extension EventLog {
    /// The state after record `seq` (clamped to the last one): the nearest snapshot at or before
    /// it, then a checked replay of the records after the snapshot, all in one read transaction,
    /// so a concurrent writer changes nothing it sees. Throws `ReplayMismatch` if the records do
    /// not re-derive. Used by `solvent account --at` and the socket's `account` with `at`.
    public func ledger(at seq: Seq) throws -> Ledger {
        let roots = stateRoots
        var failure: ReplayMismatch?
        let ledger = try read { reader -> Ledger in
            let target = min(seq, reader.lastSeq)
            var replay = Rederivation(ledger: Ledger(rules: rules), stateRoots: roots)
            if let snapshot = try reader.snapshot(atOrBefore: target) {
                replay = Rederivation(ledger: try snapshot.ledger(), lastSeq: snapshot.seq, stateRoots: roots)
            }
            guard replay.lastSeq < target else { return replay.ledger }
            failure = try reader.replay(&replay, from: replay.lastSeq + 1, through: target)
            return replay.ledger
        }
        if let failure { throw failure }
        return ledger
    }

    /// The engine re-derived from the whole log: the latest snapshot, then a checked replay of
    /// the records after it. Throws `ReplayMismatch` for a log that does not re-derive (a journal
    /// or a standby refuses to open it; `solvent verify` says where).
    public func rederivation() throws -> Rederivation {
        let lastSeq = try read { $0.lastSeq }
        var replay = Rederivation(ledger: Ledger(rules: rules), stateRoots: stateRoots)
        if let snapshot = try snapshot(atOrBefore: lastSeq) {
            replay = Rederivation(ledger: try snapshot.ledger(), lastSeq: snapshot.seq, stateRoots: stateRoots)
        }
        let from = replay.lastSeq + 1
        var mismatch: ReplayMismatch?
        try read { reader in mismatch = try reader.replay(&replay, from: from) }
        if let mismatch = mismatch ?? replay.finish() { throw mismatch }
        return replay
    }
}
