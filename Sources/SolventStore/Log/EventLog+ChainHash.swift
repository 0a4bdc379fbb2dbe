import SolventCore

extension EventLog {
    /// The chain hash after record `seq` (32 zero bytes for 0, the empty log's), read in one read
    /// transaction; nil past the head. Two logs that agree on it at a seq hold the same records
    /// up to it (SHA-256 chain), so comparing it seq by seq finds where a returning leader's log
    /// forked from the new leader's.
    public func chainHash(through seq: Seq) throws -> [UInt8]? {
        try environment.read { transaction in
            guard seq <= (try Self.readHead(transaction, schema)).seq else { return nil }
            return try Self.digest(through: seq, in: transaction, schema).bytes
        }
    }

    /// The hash after record `seq` (at most the head), from its stored prevHash and bytes.
    static func digest(through seq: Seq, in transaction: ReadTransaction, _ schema: LogSchema) throws -> Hash32 {
        guard seq > 0 else { return .zero }
        return try withRecord(seq, in: transaction, schema) { record in
            Hash32.chained(after: Hash32(record.prevHash), bytes: record.bytes)
        }
    }

    /// Runs `body` with record `seq` borrowed; the record must be there (at most the head).
    static func withRecord<R>(_ seq: Seq, in transaction: ReadTransaction, _ schema: LogSchema,
                              _ body: (BorrowedRecord) throws -> R) throws -> R {
        try BigEndian.withBytes(of: seq) { key in
            guard let value = try transaction.get(schema.events, key: key) else {
                throw StoreError.corrupt(reason: "record \(seq) is missing below the chain head")
            }
            return try body(try BorrowedRecord(key: key, value: value))
        }
    }
}
