import SolventCore

extension EventLog {
    /// Up to `limit` records from `first` on, as a leader sends them to a standby that asks from
    /// `first`: each record's canonical bytes and its prevHash exactly as stored, with its request
    /// key and receipt, read in one read transaction.
    public func replicatedRecords(from first: Seq, limit: Int) throws -> [ReplicatedRecord] {
        try replicatedBatch(from: first, limit: limit).records
    }

    /// `replicatedRecords` with the chain hash after the last of them (the head hash a standby
    /// checks its own chain against before appending them). With `maxBytes`, it also stops once
    /// the records' `carriedBytes` reach it (after at least one record), so that one message stays
    /// far below the link's frame bound however large the records are.
    ///
    /// Keys come from `requests.byseq`, walked beside the records; a record appended before that
    /// database existed goes without its key (docs/FORMAT.md, "requests.byseq").
    public func replicatedBatch(from first: Seq, limit: Int, maxBytes: Int = .max) throws -> (records: [ReplicatedRecord], headHash: [UInt8]) {
        var records: [ReplicatedRecord] = []
        var bytes = 0
        try read { reader in
            try reader.withRequestKeys(from: first) { keys in
                try reader.forEach(from: first) { stored in
                    let key = try keys.key(of: stored.seq)
                    let record = ReplicatedRecord(seq: stored.seq, bytes: Array(stored.bytes), prevHash: Array(stored.prevHash),
                                                  requestKey: key, receipt: try key.flatMap { try reader.receipt($0) })
                    records.append(record)
                    bytes += record.carriedBytes
                    return records.count < limit && bytes < maxBytes
                }
            }
        }
        guard let last = records.last else { return ([], []) }
        let head = last.prevHash.withUnsafeBytes { previous in
            last.bytes.withUnsafeBytes { Hash32.chained(after: Hash32(previous), bytes: $0) }
        }
        return (records, head.bytes)
    }
}

/// The request keys of `requests.byseq` in seq order, read by a cursor that moves only forward:
/// asked for each record of a walk in turn, it steps past the keyless ones instead of looking
/// every record up. Valid only inside `LogReader.withRequestKeys`.
struct RequestKeyWalk {
    private let cursor: Cursor?
    /// The entry the cursor is on: the first whose seq is not below the last one asked for.
    private var entry: Entry?

    fileprivate init(cursor: Cursor?, first: Seq) throws {
        self.cursor = cursor
        entry = try cursor.flatMap { cursor in try BigEndian.withBytes(of: first) { try cursor.seek(atOrAfter: $0) } }
    }

    /// The key of record `seq`, or nil; `seq`s must be asked in increasing order.
    mutating func key(of seq: Seq) throws -> String? {
        while let (seqBytes, key) = entry {
            let entrySeq = try EventLog.decodeSeq(seqBytes)
            if entrySeq > seq { return nil }
            entry = try cursor?.next()
            if entrySeq == seq { return String(decoding: key, as: UTF8.self) }
        }
        return nil
    }
}

extension LogReader {
    /// Runs `body` with the request keys from record `first` on (none for a log opened read-only
    /// that was made before `requests.byseq` existed).
    func withRequestKeys<R>(from first: Seq, _ body: (inout RequestKeyWalk) throws -> R) throws -> R {
        guard let database = schema.requestsBySeq else {
            var none = try RequestKeyWalk(cursor: nil, first: first)
            return try body(&none)
        }
        return try transaction.withCursor(database) { cursor in
            var walk = try RequestKeyWalk(cursor: cursor, first: first)
            return try body(&walk)
        }
    }
}
