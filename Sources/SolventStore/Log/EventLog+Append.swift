import SolventCore

extension EventLog {
    /// Appends `batch` (and optionally a snapshot) in ONE write transaction with one fsync, and
    /// returns the new head hash once the commit is durable.
    ///
    /// Refused with nothing written: a seq that does not continue the log (`seq_gap`), a time
    /// before the previous record's (`time_regression`), a request key already stored or
    /// repeated in the batch (`duplicate_key`), a bad key, a batch over `maxBatchRecords`.
    /// `parallelHashing` false hashes the chain on this thread even for a large batch: for a
    /// writer whose other core is busy anyway (the daemon's durable stage, while the committer
    /// stages the next group), waiting for a hashing thread only spun.
    @discardableResult
    public func append(_ batch: [AppendRecord], snapshot: Snapshot? = nil, receipts: [RequestReceipt] = [],
                       parallelHashing: Bool = true) throws -> [UInt8] {
        guard batch.count <= Self.maxBatchRecords else {
            throw StoreError.batchTooLarge(count: batch.count, max: Self.maxBatchRecords)
        }
        for case let key? in batch.lazy.map(\.requestKey) { try Self.validateRequestKey(key) }
        if batch.isEmpty && snapshot == nil { return headHash }
        // Re-runnable (Environment.write may repeat it after growing the map): it only reads
        // and puts inside the transaction; the cache moves after the commit.
        let (previous, committed, recentChange) = try environment.write { transaction in
            let previous = try Self.readHead(transaction, schema)
            try Self.checkOrder(batch, after: previous)
            let next = try writeRecords(batch, after: previous, parallelHashing: parallelHashing, in: transaction)
            let recentChange = try registerRequests(batch, after: previous.seq, in: transaction)
            if let snapshot { try writeSnapshot(snapshot, lastSeq: next.seq, in: transaction) }
            try writeReceipts(receipts, in: transaction)
            if next != previous { try transaction.put(schema.chain, key: ChainKey.head, value: next.encoded()) }
            return (previous.seq, next, recentChange)
        }
        // Only now, durable: a transaction that aborted or failed to commit leaves no key behind.
        recentRequests.update { $0.committed(recentChange, after: previous, head: committed.seq) }
        updateCachedHead(committed)
        return committed.hash
    }

    /// Each receipt under its key, which the batch's records registered in `requests` in the
    /// same transaction (a key is stored once, so its receipt is never replaced).
    private func writeReceipts(_ receipts: [RequestReceipt], in transaction: WriteTransaction) throws {
        guard !receipts.isEmpty else { return }
        guard let database = schema.receipts else { throw StoreError.corrupt(reason: "the log has no receipts database to write to") }
        for receipt in receipts { try transaction.put(database, key: Array(receipt.key.utf8), value: receipt.bytes) }
    }

    static func validateRequestKey(_ key: String) throws(StoreError) {
        let count = key.utf8.count
        guard count >= 1 && count <= maxRequestKeyBytes else {
            throw .badRequestKey(key: key, reason: "\(count) bytes; 1 to \(maxRequestKeyBytes) are allowed")
        }
    }

    /// Seqs continue the log without gaps and times never decrease (SPEC §4).
    static func checkOrder(_ batch: [AppendRecord], after head: ChainHead) throws(StoreError) {
        var expectedSeq = head.seq + 1
        var previousTime = head.time
        for record in batch {
            guard record.seq == expectedSeq else { throw .seqGap(expected: expectedSeq, found: record.seq) }
            guard record.time >= previousTime else {
                throw .timeRegression(seq: record.seq, time: record.time, previousTime: previousTime)
            }
            expectedSeq += 1
            previousTime = record.time
        }
    }

    /// Puts each record as bytes ‖ prevHash with MDB_APPEND, chaining the hash as it goes.
    /// Large batches are hashed on another core in parallel with the puts (`ChainHasher`).
    private func writeRecords(_ batch: [AppendRecord], after head: ChainHead, parallelHashing: Bool,
                              in transaction: WriteTransaction) throws -> ChainHead {
        guard let last = batch.last else { return head }
        let hasher = parallelHashing && batch.count >= ChainHasher.minimumRecords ? ChainHasher(batch, after: head.digest) : nil
        var digest = head.digest
        try transaction.withAppendCursor(schema.events) { cursor in
            // By index, not `enumerated()`: that copied each record (a retain and a release of
            // its bytes' buffer and of its key).
            for index in batch.indices {
                try batch[index].bytes.withUnsafeBytes { bytes in
                    try BigEndian.withBytes(of: batch[index].seq) { key in
                        try cursor.append(key: key, count: bytes.count + Hash32.byteCount) { value in
                            UnsafeMutableRawBufferPointer(rebasing: value[..<bytes.count]).copyMemory(from: bytes)
                            digest.copy(into: value, at: bytes.count)
                        }
                    }
                    digest = hasher?.hash(index) ?? Hash32.chained(after: digest, bytes: bytes)
                }
            }
        }
        return ChainHead(seq: last.seq, time: last.time, digest: digest)
    }

    static func decodeSeq(_ raw: UnsafeRawBufferPointer) throws(StoreError) -> Seq {
        guard raw.count == 8 else { throw .corrupt(reason: "a seq value is \(raw.count) bytes, not 8") }
        return Seq(BigEndian.uint64(raw))
    }
}

extension BigEndian {
    /// `seq` as a key of the events, snapshots and request databases (read by `decodeSeq`).
    static func withBytes<R>(of seq: Seq, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withBytes(of: seq.rawValue, body)
    }
}
