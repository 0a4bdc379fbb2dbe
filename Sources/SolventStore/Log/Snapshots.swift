import SolventCore

extension EventLog {
    /// Stores `state` as the snapshot after `seq`, which must be in the log, in its own
    /// transaction. To snapshot in the same transaction as an append, use `append(_:snapshot:)`.
    public func putSnapshot(seq: Seq, state: [UInt8]) throws {
        try environment.write { transaction in
            let head = try Self.readHead(transaction, schema)
            try writeSnapshot(Snapshot(seq: seq, state: state), lastSeq: head.seq, in: transaction)
        }
    }

    /// The newest snapshot at or before `seq`, its SHA-256 verified; nil if none.
    public func snapshot(atOrBefore seq: Seq) throws -> Snapshot? {
        try read { try $0.snapshot(atOrBefore: seq) }
    }

    /// The seqs of all stored snapshots, ascending.
    public func snapshotSeqs() throws -> [Seq] {
        try read { try $0.snapshotSeqs() }
    }

    /// Puts state ‖ SHA-256(state) under the seq, written in place (states can be large).
    func writeSnapshot(_ snapshot: Snapshot, lastSeq: Seq, in transaction: WriteTransaction) throws {
        guard snapshot.seq >= 1 && snapshot.seq <= lastSeq else {
            throw StoreError.snapshotOutOfRange(seq: snapshot.seq, lastSeq: lastSeq)
        }
        try snapshot.state.withUnsafeBytes { state in
            let digest = Hash32.of(state)
            try BigEndian.withBytes(of: snapshot.seq) { key in
                try transaction.putReserved(schema.snapshots, key: key, count: state.count + Hash32.byteCount) { value in
                    UnsafeMutableRawBufferPointer(rebasing: value[..<state.count]).copyMemory(from: state)
                    digest.copy(into: value, at: state.count)
                }
            }
        }
    }
}

extension LogReader {
    public func snapshot(atOrBefore seq: Seq) throws -> Snapshot? {
        try transaction.withCursor(schema.snapshots) { cursor in
            // SET_RANGE lands on the first key >= seq; step back if it overshot, or take the
            // last snapshot if every key is below seq.
            var entry = try BigEndian.withBytes(of: seq) { key in try cursor.seek(atOrAfter: key) }
            if let found = entry {
                if try EventLog.decodeSeq(found.key) > seq { entry = try cursor.previous() }
            } else {
                entry = try cursor.last()
            }
            guard let (key, value) = entry else { return nil }
            return try Self.verifiedSnapshot(seq: try EventLog.decodeSeq(key), value: value)
        }
    }

    public func snapshotSeqs() throws -> [Seq] {
        try transaction.withCursor(schema.snapshots) { cursor in
            var seqs: [Seq] = []
            var entry = try cursor.first()
            while let (key, _) = entry {
                seqs.append(try EventLog.decodeSeq(key))
                entry = try cursor.next()
            }
            return seqs
        }
    }

    static func verifiedSnapshot(seq: Seq, value: UnsafeRawBufferPointer) throws(StoreError) -> Snapshot {
        guard value.count >= Hash32.byteCount else { throw .snapshotCorrupt(seq: seq) }
        let stateCount = value.count - Hash32.byteCount
        let state = UnsafeRawBufferPointer(rebasing: value[..<stateCount])
        guard Hash32.of(state) == Hash32(UnsafeRawBufferPointer(rebasing: value[stateCount...])) else {
            throw .snapshotCorrupt(seq: seq)
        }
        return Snapshot(seq: seq, state: Array(state))
    }
}

extension Snapshot {
    /// The state it holds, which must be the state after record `seq`: a snapshot whose state
    /// is at another seq (its hash can still be right: it is the writer's bytes) is refused as
    /// corrupt here, where replaying onto it would trap the ledger's order check instead.
    public func ledger() throws -> Ledger {
        let ledger = try Ledger(snapshot: state)
        guard ledger.lastSeq == seq else { throw StoreError.snapshotCorrupt(seq: seq) }
        return ledger
    }
}
