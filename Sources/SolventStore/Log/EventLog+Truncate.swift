import SolventCore

extension EventLog {
    /// Drops every record after `seq` — a former leader's tail that no standby acknowledged,
    /// before it follows the new leader from its fork point (`chainHash(through:)`) — and returns
    /// how many records went. One write transaction: the records, the snapshots after `seq`, the
    /// request keys of the dropped records in every request database and their receipts go, and
    /// the chain head becomes record `seq`'s (the empty log's for 0). A dropped record's key can
    /// then be appended again, as on the leader that never had it.
    ///
    /// Refused with nothing changed when `seq` is past the head (`truncate_beyond_head`). The
    /// store does not know inputs from derived records: cut after an input but before what it
    /// derived, the log no longer re-derives (a fork point is never such a cut, since the same
    /// input derives the same records). For a log nothing else writes meanwhile: a `Journal` or
    /// `StandbyLog` open on it holds a state past the new head and must be opened again.
    @discardableResult
    public func truncate(after seq: Seq) throws -> Int {
        let (removed, head, recent) = try environment.write { transaction in
            let previous = try Self.readHead(transaction, schema)
            guard seq <= previous.seq else { throw StoreError.truncateBeyondHead(seq: seq, lastSeq: previous.seq) }
            let head = seq == previous.seq ? previous : try Self.chainHead(at: seq, in: transaction, schema)
            let removed = try BigEndian.withBytes(of: seq + 1) { first in
                try transaction.deleteTail(schema.snapshots, from: first)
                return try transaction.deleteTail(schema.events, from: first)
            }
            try dropRequests(after: seq, in: transaction)
            if seq == 0 {
                try ChainKey.head.withUnsafeBytes { key in _ = try transaction.delete(schema.chain, key: key) }
            } else {
                try transaction.put(schema.chain, key: ChainKey.head, value: head.encoded())
            }
            // Read back in this transaction, so the map is exactly the truncated log's.
            let recent = try RecentRequests.load(transaction, schema.recentRequests, asOfSeq: seq, reserving: requestIndex.reservedKeys)
            return (removed, head, recent)
        }
        // The old map holds dropped keys and claims the old head's seq, which appends could
        // reach again: it would then be taken for the log's. Replaced whole, never moved on.
        recentRequests.update { $0 = recent }
        resetCachedHead(head)
        return removed
    }

    /// The head of the log whose last record is `seq` (below the head): its time is read from the
    /// record, its hash recomputed from it.
    static func chainHead(at seq: Seq, in transaction: ReadTransaction, _ schema: LogSchema) throws -> ChainHead {
        guard seq > 0 else { return .genesis }
        let time = try withRecord(seq, in: transaction, schema) { record in
            let decoded: Record
            do { decoded = try RecordCodec.decode(record.bytes) } catch {
                throw StoreError.corrupt(reason: "record \(seq) does not decode: \(error)")
            }
            guard decoded.seq == seq else { throw StoreError.corrupt(reason: "record \(seq) is stored under seq \(decoded.seq)") }
            return decoded.time
        }
        return ChainHead(seq: seq, time: time, digest: try digest(through: seq, in: transaction, schema))
    }

    /// Deletes the keys of the records after `seq` from `requests`, the recent databases and
    /// `requests.byseq`, and the receipts stored under them.
    private func dropRequests(after seq: Seq, in transaction: WriteTransaction) throws {
        var keys: [[UInt8]] = []
        try BigEndian.withBytes(of: seq + 1) { first in
            for database in schema.recentRequests + [schema.requestsBySeq].compactMap({ $0 }) {
                try transaction.deleteTail(database, from: first) { keys.append(Array($0.value)) }
            }
        }
        // `requests` is scanned whole, though `requests.byseq` names the keys of nearly every
        // dropped record: it has none for records appended before it existed (or by a build that
        // did not write it), and such a key left in `requests` would answer a retry with a seq the
        // log no longer has — or that a different record takes next. A truncation is rare (a
        // former leader rejoining), so completeness wins over the scan's cost.
        let folded = try keysInRequests(after: seq, in: transaction)
        for key in folded { try key.withUnsafeBytes { _ = try transaction.delete(schema.requests, key: $0) } }
        keys += folded
        guard let receipts = schema.receipts else { return }
        for key in keys { try key.withUnsafeBytes { _ = try transaction.delete(receipts, key: $0) } }
    }

    /// The keys in `requests` whose seq is after `seq`, copied out (deleted after the scan, so no
    /// cursor is left on a deleted entry). Bounded by the database's entries.
    private func keysInRequests(after seq: Seq, in transaction: ReadTransaction) throws -> [[UInt8]] {
        try transaction.withCursor(schema.requests) { cursor in
            var found: [[UInt8]] = []
            var entry = try cursor.first()
            while let (key, value) = entry {
                if try Self.decodeSeq(value) > seq { found.append(Array(key)) }
                entry = try cursor.next()
            }
            return found
        }
    }
}
