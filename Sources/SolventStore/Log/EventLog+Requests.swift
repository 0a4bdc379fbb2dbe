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
        if let started = change.started {  // The added keys went to the other database.
            current = 1 - current
            folding = started
            nextFold = nil
        }
        for (key, seq) in change.added { seqByKeyIn[current][KeyBytes(key)] = seq }
        lastAdded = change.added.count
        folded = change.folded
        if change.finished {
            // Its capacity kept: the map fills again without rehashing (0.1–0.25 ms each time).
            seqByKeyIn[1 - current].removeAll(keepingCapacity: true)
            folding = []
            folded = 0
        }
        asOfSeq = head
    }
}

extension EventLog {
    /// Checks that no key of `batch` is stored or repeated (in seq order, so the first duplicate
    /// is the one named), stores them by `requestIndex` (in the current recent database, or, a
    /// large batch, straight into `requests`) and in `requests.byseq`, and folds the next chunk
    /// of a fold in progress. Re-runnable: it changes the map only to reload it from the
    /// committed log.
    func registerRequests(_ batch: [AppendRecord], after previous: Seq, in transaction: WriteTransaction) throws -> RecentChange {
        var keyed: [(key: String, seq: Seq)] = []
        for record in batch { if let key = record.requestKey { keyed.append((key, record.seq)) } }
        try indexBySeq(keyed, in: transaction)
        return try recentRequests.withLock { recent in
            if recent.asOfSeq != previous {
                // Another writer (process) moved the log: its recent keys are not in the map.
                recent = try RecentRequests.load(transaction, schema.recentRequests, asOfSeq: previous, reserving: requestIndex.reservedKeys)
            }
            var change = RecentChange(folded: recent.folded)
            guard !batch.isEmpty else { return change }
            var folding = recent.folding
            var current = recent.current
            if keyed.count >= requestIndex.directBatchKeys {
                try putDirect(keyed, recent: recent, in: transaction)
            } else if !keyed.isEmpty {
                try checkUnique(keyed, recent: recent, in: transaction)
                if folding.isEmpty && recent.currentCount + keyed.count >= requestIndex.foldAtKeys {
                    // The other database is empty (no fold in progress): it takes the new keys.
                    // Any order is correct; LMDB's keeps the fold's cursor on its current leaf.
                    folding = recent.currentInKeyOrder()
                    change.started = folding
                    current = 1 - current
                }
                try appendKeysBySeq(keyed, into: schema.recentRequests[current], in: transaction)
                change.added = keyed
            }
            if !folding.isEmpty {
                // At least as many as this commit added to a recent database (none when its
                // keys went straight to `requests`): the fold ends before the other fills.
                let count = max(requestIndex.foldChunkKeys, change.added.count)
                change.folded = try foldChunk(folding, from: change.started == nil ? recent.folded : 0, count: count, in: transaction)
                if change.folded == folding.count {
                    try transaction.empty(schema.recentRequests[1 - current])
                    change.finished = true
                }
            }
            return change
        }
    }

    /// Sorts the current recent database's keys when the next commit may start a fold, so that
    /// commit need not: sorting 4,096 keys took 0.5–0.6 ms of the commit that started each fold,
    /// one in 64 with 64 clients, which set their p99 (docs/INGEST.md, "The fold, smoothed").
    /// For the writer's idle moments (the committer calls it once a group's replies are out);
    /// a fold starts all the same without it, sorting then.
    public func prepareFold() {
        let pending: (asOfSeq: Seq, keys: [KeyBytes: Seq])? = recentRequests.withLock { recent in
            guard recent.folding.isEmpty, recent.nextFold?.asOfSeq != recent.asOfSeq,
                  recent.currentCount + max(1, recent.lastAdded) >= requestIndex.foldAtKeys else { return nil }
            return (recent.asOfSeq, recent.seqByKeyIn[recent.current])
        }
        guard let pending else { return }
        // Sorted outside the lock; the copy of the map is dropped before the next commit adds
        // to it (the caller is the writer), so that commit does not copy it again.
        let keys = RecentRequests.inKeyOrder(pending.keys.map { (key: $0.key.text, seq: $0.value) })
        recentRequests.update { recent in
            if recent.asOfSeq == pending.asOfSeq { recent.nextFold = (pending.asOfSeq, keys) }
        }
    }

    private func checkUnique(_ keyed: [(key: String, seq: Seq)], recent: RecentRequests, in transaction: WriteTransaction) throws {
        var batchSeqs = [KeyBytes: Seq](minimumCapacity: keyed.count)
        for (key, seq) in keyed {
            let bytes = KeyBytes(key)
            if let existing = try recent.seq(of: bytes) ?? batchSeqs[bytes] ?? foldedSeq(key, in: transaction) {
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

    /// seq → key with MDB_APPEND: a commit's keys fill one or two pages at the end (of a recent
    /// database or `requests.byseq`).
    private func appendKeysBySeq(_ keyed: [(key: String, seq: Seq)], into database: Database, in transaction: WriteTransaction) throws {
        try transaction.withAppendCursor(database) { cursor in
            for (key, seq) in keyed {
                try Self.withBytes(of: key, seq) { keyBytes, seqBytes in
                    try cursor.append(key: seqBytes, count: keyBytes.count) { value in value.copyMemory(from: keyBytes) }
                }
            }
        }
    }

    /// Every key of a commit into `requests.byseq`, whichever way it goes (a duplicate aborts the
    /// transaction, this too): the seq → key index a replicating leader and a truncation read,
    /// which the recent databases are not (a large batch skips them, a fold empties them).
    private func indexBySeq(_ keyed: [(key: String, seq: Seq)], in transaction: WriteTransaction) throws {
        guard !keyed.isEmpty else { return }
        guard let database = schema.requestsBySeq else {
            throw StoreError.corrupt(reason: "the log has no requests.byseq database to write to")
        }
        try appendKeysBySeq(keyed, into: database, in: transaction)
    }

    /// Puts the next `count` keys of `folding` (sorted) from `start` into `requests`; returns how
    /// many are in now. A key already there with the same seq was put by a fold that a crash
    /// interrupted.
    private func foldChunk(_ folding: [(key: String, seq: Seq)], from start: Int, count: Int, in transaction: WriteTransaction) throws -> Int {
        let end = min(folding.count, start + count)
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
    /// stored there or repeated in the batch).
    private func putDirect(_ keyed: [(key: String, seq: Seq)], recent: RecentRequests, in transaction: WriteTransaction) throws {
        for (key, seq) in keyed {
            if let existing = recent.seq(of: KeyBytes(key)) { throw StoreError.duplicateKey(key: key, existingSeq: existing) }
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
