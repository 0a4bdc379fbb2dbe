import SolventCore

/// What a commit did to `requests.recent`, applied to the writer's map once it is durable.
enum RecentChange {
    case unchanged
    case added([(key: String, seq: Seq)])
    /// Every recent key (and the batch's) went into `requests`; `requests.recent` is empty.
    case folded
}

extension RecentRequests {
    /// Moves the map past a durable commit made on top of `previous`. A map that no longer
    /// describes `previous` was reloaded meanwhile (and so holds the commit already, or is stale
    /// and will be reloaded by the next append).
    mutating func committed(_ change: RecentChange, after previous: Seq, head: Seq) {
        guard asOfSeq == previous else { return }
        switch change {
        case .unchanged: break
        case .added(let keyed): for (key, seq) in keyed { seqByKey[key] = seq }
        case .folded: seqByKey.removeAll(keepingCapacity: true)
        }
        asOfSeq = head
    }
}

extension EventLog {
    /// Checks that no key of `batch` is stored or repeated (in seq order, so the first duplicate
    /// is the one named) and stores them by `requestIndex`: in `requests.recent`, or folded into
    /// `requests` with every recent key, or (a large batch) straight into `requests`. Re-runnable:
    /// it changes the map only to reload it from the committed log.
    func registerRequests(_ batch: [AppendRecord], after previous: Seq, in transaction: WriteTransaction) throws -> RecentChange {
        var keyed: [(key: String, seq: Seq)] = []
        for record in batch { if let key = record.requestKey { keyed.append((key, record.seq)) } }
        return try recentRequests.withLock { recent in
            if recent.asOfSeq != previous {
                // Another writer (process) moved the log: its recent keys are not in the map.
                recent = try RecentRequests.load(transaction, schema.recentRequests, asOfSeq: previous)
            }
            if keyed.isEmpty { return .unchanged }
            if keyed.count >= requestIndex.directBatchKeys {
                try putDirect(keyed, recent: recent.seqByKey, in: transaction)
                return .unchanged
            }
            try checkUnique(keyed, recent: recent.seqByKey, in: transaction)
            if recent.seqByKey.count + keyed.count >= requestIndex.foldAtKeys {
                try fold(recent.seqByKey, plus: keyed, in: transaction)
                return .folded
            }
            try appendRecent(keyed, in: transaction)
            return .added(keyed)
        }
    }

    private func checkUnique(_ keyed: [(key: String, seq: Seq)], recent: [String: Seq], in transaction: WriteTransaction) throws {
        var batchSeqs = [String: Seq](minimumCapacity: keyed.count)
        for (key, seq) in keyed {
            if let existing = try recent[key] ?? batchSeqs[key] ?? foldedSeq(key, in: transaction) {
                throw StoreError.duplicateKey(key: key, existingSeq: existing)
            }
            batchSeqs[key] = seq
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
    private func appendRecent(_ keyed: [(key: String, seq: Seq)], in transaction: WriteTransaction) throws {
        guard let recentDatabase = schema.recentRequests else {
            throw StoreError.corrupt(reason: "\(LogSchema.recentRequestsName) is missing from a writable log")
        }
        try transaction.withAppendCursor(recentDatabase) { cursor in
            for (key, seq) in keyed {
                var key = key
                try key.withUTF8 { utf8 in
                    try BigEndian.withBytes(of: seq) { seqBytes in
                        try cursor.append(key: seqBytes, count: utf8.count) { value in
                            value.copyMemory(from: UnsafeRawBufferPointer(utf8))
                        }
                    }
                }
            }
        }
    }

    /// Puts the recent keys and the batch's into `requests` in key order, then empties
    /// `requests.recent`.
    private func fold(_ recent: [String: Seq], plus keyed: [(key: String, seq: Seq)], in transaction: WriteTransaction) throws {
        var entries = keyed
        entries.reserveCapacity(recent.count + keyed.count)
        for (key, seq) in recent { entries.append((key, seq)) }
        // Swift's order is LMDB's (UTF-8 bytes) for NFC keys, ASCII included, and a quarter of
        // the cost of comparing `utf8` views; any order is correct, this one keeps the cursor's
        // next key mostly on its current leaf.
        entries.sort { $0.key < $1.key }
        try transaction.withPutCursor(schema.requests) { cursor in
            for (key, seq) in entries {
                var key = key
                try key.withUTF8 { utf8 in
                    try BigEndian.withBytes(of: seq) { seqBytes in
                        guard let existing = try cursor.putIfAbsent(key: UnsafeRawBufferPointer(utf8), value: seqBytes) else { return }
                        throw StoreError.corrupt(reason: "request key \(String(decoding: utf8, as: UTF8.self)) is in requests "
                            + "(seq \(try Self.decodeSeq(existing))) and requests.recent (seq \(seq))")
                    }
                }
            }
        }
        if !recent.isEmpty, let recentDatabase = schema.recentRequests { try transaction.empty(recentDatabase) }
    }

    /// A large batch's keys straight into `requests`, in seq order (`putIfAbsent` catches a key
    /// stored there or repeated in the batch).
    private func putDirect(_ keyed: [(key: String, seq: Seq)], recent: [String: Seq], in transaction: WriteTransaction) throws {
        for (key, seq) in keyed {
            if let existing = recent[key] { throw StoreError.duplicateKey(key: key, existingSeq: existing) }
            var key = key
            try key.withUTF8 { utf8 in
                try BigEndian.withBytes(of: seq) { seqBytes in
                    if let existing = try transaction.putIfAbsent(schema.requests, key: UnsafeRawBufferPointer(utf8), value: seqBytes) {
                        throw StoreError.duplicateKey(key: String(decoding: utf8, as: UTF8.self), existingSeq: try Self.decodeSeq(existing))
                    }
                }
            }
        }
    }
}
