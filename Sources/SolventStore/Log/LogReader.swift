import SolventCore

/// Reads one consistent prefix of the log (a read transaction); valid only inside
/// `EventLog.read`'s closure. Records appended meanwhile stay invisible to it.
public struct LogReader {
    let transaction: ReadTransaction
    let schema: LogSchema
    /// The head as of this reader's snapshot.
    public let head: ChainHead
    /// The writer's map of the recent request databases, used when it describes this snapshot.
    var recentRequests: Locked<RecentRequests>? = nil

    public var lastSeq: Seq { head.seq }

    /// The record at `seq`, copied out, or nil.
    public func record(_ seq: Seq) throws -> StoredRecord? {
        try BigEndian.withBytes(of: seq) { key in
            guard let value = try transaction.get(schema.events, key: key) else { return nil }
            return try BorrowedRecord(key: key, value: value).copied()
        }
    }

    /// Calls `body` with each record from `first` through `last` (or the end) in seq order, copied
    /// out, until it returns false.
    public func forEach(from first: Seq = 1, through last: Seq? = nil, _ body: (StoredRecord) throws -> Bool) throws {
        try forEachBorrowed(from: first, through: last) { try body($0.copied()) }
    }

    /// Like `forEach` but without copying: each record's bytes point into the map and are valid
    /// only during its callback. One cursor step per record, no allocation.
    public func forEachBorrowed(from first: Seq = 1, through last: Seq? = nil, _ body: (BorrowedRecord) throws -> Bool) throws {
        try transaction.withCursor(schema.events) { cursor in
            var entry = try BigEndian.withBytes(of: first) { key in try cursor.seek(atOrAfter: key) }
            while let (key, value) = entry {
                let record = try BorrowedRecord(key: key, value: value)
                if let last, record.seq > last { return }
                guard try body(record) else { return }
                entry = try cursor.next()
            }
        }
    }

    /// The seq first appended with request `key`, or nil: from `requests`, or from the recent
    /// databases for a key not folded yet — through the writer's map when it describes this
    /// snapshot, else by a scan of them (bounded: `RequestIndexPolicy`).
    public func requestSeq(_ key: String) throws -> Seq? {
        try requestSeqs([key]).first?.seq
    }

    /// The receipt stored under `key` with a batch append (`RequestReceipt`); nil for a key
    /// stored by a single append, or none at all.
    public func receipt(_ key: String) throws -> [UInt8]? {
        guard let receipts = schema.receipts else { return nil }
        return try transaction.get(receipts, key: Array(key.utf8))
    }

    /// `requestSeq` of each of `keys`: the positions (in `keys`) of those stored, with their
    /// seqs, in position order. The writer's map is locked once for all of them, not once per
    /// key, and not hashed into at all while it is empty (as it stays while a pipelining client's
    /// large batches go straight into `requests`); a group commit asks this for every key. An
    /// array, not a generic collection: unspecialised across modules, a lazy map of the group's
    /// inputs cost more than the lookups.
    public func requestSeqs(_ keys: [String]) throws -> [(position: Int, seq: Seq)] {
        for key in keys { try EventLog.validateRequestKey(key) }
        // nil: no map describes this snapshot (then the recent databases are scanned); empty:
        // the map holds no key.
        let mapped: [Seq?]? = recentRequests?.withLock { recent in
            guard recent.asOfSeq == head.seq else { return nil }
            return recent.isEmpty ? [] : keys.map { recent.seq(of: KeyBytes($0)) }
        }
        var found: [(position: Int, seq: Seq)] = []
        for (position, key) in keys.enumerated() {
            if let mapped, !mapped.isEmpty, let seq = mapped[position] {
                found.append((position, seq))
            } else if let seq = try storedSeq(key, scanRecent: mapped == nil) {
                found.append((position, seq))
            }
        }
        return found
    }

    /// `key`'s seq in `requests`, else (with `scanRecent`) in the recent databases by a scan.
    private func storedSeq(_ key: String, scanRecent: Bool) throws -> Seq? {
        var utf8Key = key
        return try utf8Key.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            if let stored = try transaction.get(schema.requests, key: raw) { return try EventLog.decodeSeq(stored) }
            guard scanRecent else { return nil }
            return try RecentRequests.scan(transaction, schema.recentRequests, for: raw)
        }
    }
}
