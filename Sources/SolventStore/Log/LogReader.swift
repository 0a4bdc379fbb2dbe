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
        try EventLog.validateRequestKey(key)
        let recent = recentRequests?.withLock { $0.asOfSeq == head.seq ? Optional.some($0.seq(of: KeyBytes(key))) : nil }
        if let seq = recent ?? nil { return seq }
        var utf8Key = key
        return try utf8Key.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            if let stored = try transaction.get(schema.requests, key: raw) { return try EventLog.decodeSeq(stored) }
            guard recent == nil else { return nil }
            return try RecentRequests.scan(transaction, schema.recentRequests, for: raw)
        }
    }
}
