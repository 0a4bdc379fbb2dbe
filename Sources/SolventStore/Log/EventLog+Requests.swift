import SolventCore

/// What a commit did to the recent databases, applied to the writer's map once it is durable.
struct RecentChange {
    /// Keys added to a recent database (not those of a batch put straight into `requests`).
    var added: [(key: String, seq: Seq)] = []
    /// A fold started: the current database's keys in key order; new keys went to the other.
    var started: [(key: String, seq: Seq)]?
    /// How many of the fold's keys are in `requests` now.
    var folded = 0
    /// The fold ended: its database was emptied.
    var finished = false
}

extension RecentRequests {
    /// Moves the map past a durable commit made on top of `previous`. A map that no longer
    /// describes `previous` was reloaded meanwhile (and so holds the commit already, or is stale
    /// and will be reloaded by the next append).
    mutating func committed(_ change: RecentChange, after previous: Seq, head: Seq) {
        guard asOfSeq == previous else { return }
        for (key, seq) in change.added { seqByKey[KeyBytes(key)] = seq }
        if let started = change.started {
            current = 1 - current
            folding = started
        }
        folded = change.folded
        if change.finished {
            for (key, _) in folding { seqByKey[KeyBytes(key)] = nil }
            folding = []
            folded = 0
        }
        asOfSeq = head
    }
}

extension EventLog {
    /// Checks that no key of `batch` is stored or repeated (in seq order, so the first duplicate
    /// is the one named), stores them by `requestIndex` (in the current recent database, or, a
    /// large batch, straight into `requests`), and folds the next chunk of a fold in progress.
    /// Re-runnable: it changes the map only to reload it from the committed log.
    func registerRequests(_ batch: [AppendRecord], after previous: Seq, in transaction: WriteTransaction) throws -> RecentChange {
        var keyed: [(key: String, seq: Seq)] = []
        for record in batch { if let key = record.requestKey { keyed.append((key, record.seq)) } }
        return try recentRequests.withLock { recent in
            if recent.asOfSeq != previous {
                // Another writer (process) moved the log: its recent keys are not in the map.
                recent = try RecentRequests.load(transaction, schema.recentRequests, asOfSeq: previous)
            }
            var change = RecentChange(folded: recent.folded)
            guard !batch.isEmpty else { return change }
            var folding = recent.folding
            var current = recent.current
            if keyed.count >= requestIndex.directBatchKeys {
                try putDirect(keyed, recent: recent.seqByKey, in: transaction)
            } else if !keyed.isEmpty {
                try checkUnique(keyed, recent: recent.seqByKey, in: transaction)
                if folding.isEmpty && recent.currentCount + keyed.count >= requestIndex.foldAtKeys {
                    // The other database is empty (no fold in progress): it takes the new keys.
                    folding = recent.seqByKey.map { (key: $0.key.text, seq: $0.value) }
                    // Swift's order is LMDB's (UTF-8 bytes) for NFC keys, ASCII included, at a
                    // quarter of the cost of comparing `utf8` views; any order is correct, this
                    // one keeps the fold's cursor on its current leaf.
                    folding.sort { $0.key < $1.key }
                    change.started = folding
                    current = 1 - current
                }
                try appendRecent(keyed, into: schema.recentRequests[current], in: transaction)
                change.added = keyed
            }
            if !folding.isEmpty {
                change.folded = try foldChunk(folding, from: change.started == nil ? recent.folded : 0, in: transaction)
                if change.folded == folding.count {
                    try transaction.empty(schema.recentRequests[1 - current])
                    change.finished = true
                }
            }
            return change
        }
    }

    private func checkUnique(_ keyed: [(key: String, seq: Seq)], recent: [KeyBytes: Seq], in transaction: WriteTransaction) throws {
        var batchSeqs = [KeyBytes: Seq](minimumCapacity: keyed.count)
        for (key, seq) in keyed {
            let bytes = KeyBytes(key)
            if let existing = try recent[bytes] ?? batchSeqs[bytes] ?? foldedSeq(key, in: transaction) {
                throw StoreError.duplicateKey(key: key, existingSeq: existing)
            }
            batchSeqs[bytes] = seq
        }
    }

    private func foldedSeq(_ key: String, in transaction: WriteTransaction) throws -> Seq? {
        var key = key
        return try key.withUTF8 { utf8 in
            try transaction.get(schema.requests, key: UnsafeRawBufferPointer(utf8)).map { raw throws(StoreError) in
                try Self.decodeSeq(raw)
            }
        }
    }

    /// seq → key with MDB_APPEND: a commit's keys fill one or two pages at the end.
    private func appendRecent(_ keyed: [(key: String, seq: Seq)], into database: Database, in transaction: WriteTransaction) throws {
        try transaction.withAppendCursor(database) { cursor in
            for (key, seq) in keyed {
                try Self.withBytes(of: key, seq) { keyBytes, seqBytes in
                    try cursor.append(key: seqBytes, count: keyBytes.count) { value in value.copyMemory(from: keyBytes) }
                }
            }
        }
    }

    /// Puts the next `foldChunkKeys` of `folding` (sorted) from `start` into `requests`; returns
    /// how many are in now. A key already there with the same seq was put by a fold that a
    /// crash interrupted.
    private func foldChunk(_ folding: [(key: String, seq: Seq)], from start: Int, in transaction: WriteTransaction) throws -> Int {
        let end = min(folding.count, start + requestIndex.foldChunkKeys)
        try transaction.withPutCursor(schema.requests) { cursor in
            for (key, seq) in folding[start..<end] {
                try Self.withBytes(of: key, seq) { keyBytes, seqBytes in
                    guard let existing = try cursor.putIfAbsent(key: keyBytes, value: seqBytes) else { return }
                    let existingSeq = try Self.decodeSeq(existing)
                    guard existingSeq == seq else {
                        throw StoreError.corrupt(reason: "request key \(key) is in requests "
                            + "with seq \(existingSeq) and in a recent database with seq \(seq)")
                    }
                }
            }
        }
        return end
    }

    /// A large batch's keys straight into `requests`, in seq order (`putIfAbsent` catches a key
    /// stored there or repeated in the batch). An empty map is not hashed into: a dictionary
    /// lookup hashes the key even then, and a pipelining client's keys all come this way.
    private func putDirect(_ keyed: [(key: String, seq: Seq)], recent: [KeyBytes: Seq], in transaction: WriteTransaction) throws {
        for (key, seq) in keyed {
            if !recent.isEmpty, let existing = recent[KeyBytes(key)] { throw StoreError.duplicateKey(key: key, existingSeq: existing) }
            try Self.withBytes(of: key, seq) { keyBytes, seqBytes in
                if let existing = try transaction.putIfAbsent(schema.requests, key: keyBytes, value: seqBytes) {
                    throw StoreError.duplicateKey(key: key, existingSeq: try Self.decodeSeq(existing))
                }
            }
        }
    }

    /// `key`'s UTF-8 and `seq` big-endian, as the request databases store them.
    private static func withBytes<R>(of key: String, _ seq: Seq,
                                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var key = key
        return try key.withUTF8 { utf8 in try BigEndian.withBytes(of: seq) { try body(UnsafeRawBufferPointer(utf8), $0) } }
    }
}
