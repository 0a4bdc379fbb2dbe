import CLMDB
import SolventCore
@testable import SolventStore
import SolventTestSupport
import Testing

/// Request keys go to a recent database and are folded into `requests` a few at a time
/// (`RequestIndexPolicy`); duplicates, lookups and reopening must not tell the places apart.
@Suite struct RequestIndexTests {
    /// A fold starts at four recent keys and moves two per commit; batches of ten keys or more go
    /// straight to `requests`.
    static let small = RequestIndexPolicy(foldAtKeys: 4, foldChunkKeys: 2, directBatchKeys: 10)

    static func withSmallLog<T>(_ body: (EventLog, String) throws -> T) throws -> T {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
            return try body(try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: small), directory)
        }
    }

    /// Appends one record per key, each in its own batch.
    static func appendEach(_ log: EventLog, _ keys: [String]) throws {
        for key in keys {
            let seq = log.lastSeq + 1
            try log.append(records(seq...seq) { _ in key })
        }
    }

    /// Entries of `requests` and of the two recent databases, read straight from LMDB.
    static func stored(_ log: EventLog) throws -> (folded: [String: Seq], recent: [[String: Seq]]) {
        try log.environment.read { transaction in
            func entries(_ database: Database, key: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> (String, Seq)) throws -> [String: Seq] {
                var found: [String: Seq] = [:]
                try transaction.withCursor(database) { cursor in
                    var entry = try cursor.first()
                    while let (stored, value) = entry {
                        let (name, seq) = try key(stored, value)
                        found[name] = seq
                        entry = try cursor.next()
                    }
                }
                return found
            }
            let folded = try entries(log.schema.requests) { (String(decoding: $0, as: UTF8.self), try EventLog.decodeSeq($1)) }
            let recent = try log.schema.recentRequests.map { database in
                try entries(database) { (String(decoding: $1, as: UTF8.self), try EventLog.decodeSeq($0)) }
            }
            return (folded, recent)
        }
    }

    /// A map of keys as the writer holds it (by bytes).
    static func byBytes(_ map: [String: Seq]) -> [KeyBytes: Seq] {
        Dictionary(uniqueKeysWithValues: map.map { (KeyBytes($0.key), $0.value) })
    }

    /// Every recent key, in either database.
    static func allRecent(_ log: EventLog) throws -> [String: Seq] {
        try stored(log).recent.reduce(into: [:]) { all, one in all.merge(one) { old, _ in old } }
    }

    /// A reader that has no writer's map (as in another process): `requests`, then a scan.
    static func seqWithoutMap(_ log: EventLog, _ key: String) throws -> Seq? {
        try log.environment.read { transaction in
            try LogReader(transaction: transaction, schema: log.schema, head: try EventLog.readHead(transaction, log.schema))
                .requestSeq(key)
        }
    }

    @Test func keysStayRecentUntilTheFoldThenMoveToRequestsWithTheirSeqs() throws {
        try Self.withSmallLog { log, _ in
            try Self.appendEach(log, ["c", "a", "b"])
            var stored = try Self.stored(log)
            #expect(stored.folded.isEmpty)
            #expect(stored.recent == [["c": 1, "a": 2, "b": 3], [:]])
            // The fourth key: a fold of the three starts (two move now), d goes to the other database.
            try Self.appendEach(log, ["d"])
            stored = try Self.stored(log)
            #expect(stored.folded == ["a": 2, "b": 3])
            #expect(stored.recent == [["c": 1, "a": 2, "b": 3], ["d": 4]])
            for key in ["a", "c", "d"] { #expect(try Self.seqWithoutMap(log, key) == log.requestSeq(key)) }
            try Self.appendEach(log, ["e"])  // the fold ends: c moves, the first database is emptied
            stored = try Self.stored(log)
            #expect(stored.folded == ["a": 2, "b": 3, "c": 1])
            #expect(stored.recent == [[:], ["d": 4, "e": 5]])
            #expect(log.recentRequests.get().seqByKey == ["d": 4, "e": 5])
            try Self.appendEach(log, ["f", "g"])  // four recent again: the next fold starts
            stored = try Self.stored(log)
            #expect(stored.folded == ["a": 2, "b": 3, "c": 1, "d": 4, "e": 5])
            #expect(stored.recent == [["g": 7], ["d": 4, "e": 5, "f": 6]])
            for (key, seq) in [("a", Seq(2)), ("d", 4), ("e", 5), ("f", 6), ("g", 7)] {
                #expect(try log.requestSeq(key) == seq)
                #expect(try Self.seqWithoutMap(log, key) == seq)
            }
            #expect(try log.requestSeq("h") == nil)
            #expect(try Self.seqWithoutMap(log, "h") == nil)
        }
    }

    @Test func duplicateIsRefusedWhetherTheFirstUseIsRecentOrFolded() throws {
        try Self.withSmallLog { log, _ in
            try Self.appendEach(log, ["a", "b", "c", "d", "e", "f"])  // a–c folded, d–f recent
            let head = log.head
            #expect(storeError { try log.append(records(7...7) { _ in "a" }) } == .duplicateKey(key: "a", existingSeq: 1))
            #expect(storeError { try log.append(records(7...7) { _ in "e" }) } == .duplicateKey(key: "e", existingSeq: 5))
            // The first duplicate in seq order is named, wherever each one's first use is.
            #expect(storeError { try log.append(records(7...9) { ["x", "e", "b"][Int($0.rawValue - 7)] }) }
                == .duplicateKey(key: "e", existingSeq: 5))
            #expect(storeError { try log.append(records(7...8) { _ in "y" }) } == .duplicateKey(key: "y", existingSeq: 7))
            // A large (direct) batch is checked against both too.
            #expect(storeError { try log.append(records(7...18) { $0 == 18 ? "e" : "big-\($0)" }) }
                == .duplicateKey(key: "e", existingSeq: 5))
            #expect(storeError { try log.append(records(7...18) { $0 == 18 ? "c" : "big-\($0)" }) }
                == .duplicateKey(key: "c", existingSeq: 3))
            #expect(log.head == head)
            #expect(try log.requestSeq("x") == nil)
            #expect(try log.requestSeq("big-7") == nil)
        }
    }

    /// Keys are bytes (SPEC §7; LMDB compares bytes), not Swift strings, which are equal when
    /// canonically equivalent: "é" as one scalar and as "e" plus a combining accent are two keys,
    /// whether recent, being folded or folded, and in one batch.
    @Test func canonicallyEquivalentKeysAreDistinctKeys() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        try #require(composed == decomposed && !composed.utf8.elementsEqual(decomposed.utf8))
        try Self.withSmallLog { log, _ in
            try Self.appendEach(log, [composed, decomposed])
            #expect(try log.requestSeq(composed) == 1)
            #expect(try log.requestSeq(decomposed) == 2)
            #expect(try Self.seqWithoutMap(log, decomposed) == 2)
            try log.append(records(3...4) { $0 == 3 ? "x\u{E9}" : "xe\u{301}" })
            try Self.appendEach(log, ["a", "b"])  // a fold starts and moves the first keys
            #expect(storeError { try log.append(records(7...7) { _ in decomposed }) } == .duplicateKey(key: decomposed, existingSeq: 2))
            for (key, seq) in [(composed, Seq(1)), (decomposed, 2), ("x\u{E9}", 3), ("xe\u{301}", 4)] {
                #expect(try log.requestSeq(key) == seq)
                #expect(try Self.seqWithoutMap(log, key) == seq)
            }
        }
    }

    @Test func duplicateInTheBatchThatWouldStartAFoldIsRefusedAndStartsNothing() throws {
        try Self.withSmallLog { log, _ in
            try Self.appendEach(log, ["a", "b", "c"])
            // Three recent plus two would start a fold; the repeat of b refuses the batch first.
            #expect(storeError { try log.append(records(4...5) { $0 == 4 ? "d" : "b" }) } == .duplicateKey(key: "b", existingSeq: 2))
            #expect(try Self.stored(log).recent == [["a": 1, "b": 2, "c": 3], [:]])
            #expect(try Self.stored(log).folded.isEmpty)
            #expect(log.recentRequests.get().folding.isEmpty)
            #expect(log.recentRequests.get().current == 0)
            try log.append(records(4...5) { $0 == 4 ? "d" : "e" })  // across the boundary: the fold starts
            #expect(try Self.stored(log).folded == ["a": 1, "b": 2])
            #expect(try Self.stored(log).recent == [["a": 1, "b": 2, "c": 3], ["d": 4, "e": 5]])
            // Folded, being folded, and in the other database alike.
            #expect(storeError { try log.append(records(6...6) { _ in "b" }) } == .duplicateKey(key: "b", existingSeq: 2))
            #expect(storeError { try log.append(records(6...6) { _ in "c" }) } == .duplicateKey(key: "c", existingSeq: 3))
            #expect(storeError { try log.append(records(6...6) { _ in "e" }) } == .duplicateKey(key: "e", existingSeq: 5))
        }
    }

    @Test func reopeningInTheMiddleOfAFoldRebuildsTheMapAndFinishesTheFold() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
            do {
                let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: Self.small)
                try Self.appendEach(log, ["a", "b", "c", "d"])  // a and b folded, c not yet, d in the other database
            }
            let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: Self.small)
            let reopened = log.recentRequests.get()
            #expect(reopened.seqByKey == ["a": 1, "b": 2, "c": 3, "d": 4])
            #expect(reopened.current == 1)
            #expect(reopened.folding.map(\.key) == ["a", "b", "c"])
            #expect(storeError { try log.append(records(5...5) { _ in "c" }) } == .duplicateKey(key: "c", existingSeq: 3))
            #expect(storeError { try log.append(records(5...5) { _ in "d" }) } == .duplicateKey(key: "d", existingSeq: 4))
            #expect(storeError { try log.append(records(5...5) { _ in "a" }) } == .duplicateKey(key: "a", existingSeq: 1))
            try Self.appendEach(log, ["e", "f"])  // the fold starts over (a and b are found in place) and ends
            let stored = try Self.stored(log)
            #expect(stored.folded == ["a": 1, "b": 2, "c": 3])
            #expect(stored.recent == [[:], ["d": 4, "e": 5, "f": 6]])
            #expect(log.recentRequests.get().seqByKey == ["d": 4, "e": 5, "f": 6])
            for (key, seq) in [("a", Seq(1)), ("c", 3), ("f", 6)] { #expect(try log.requestSeq(key) == seq) }
        }
    }

    @Test func logMadeBeforeRequestsRecentExistedOpensAndGetsIt() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
            do {
                let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26)
                try log.append(records(1...2) { "old-\($0)" })
                // As an older build left it: the keys in `requests`, no recent databases.
                try log.environment.write { transaction in
                    for recent in log.schema.recentRequests {
                        try transaction.withCursor(recent) { cursor in
                            var entry = try cursor.first()
                            while let (seqBytes, key) = entry {
                                try transaction.put(log.schema.requests, key: key, value: seqBytes)
                                entry = try cursor.next()
                            }
                        }
                        try check(mdb_drop(transaction.pointer, recent.handle, 1), "mdb_drop")
                    }
                    try transaction.put(log.schema.meta, key: MetaKey.formatVersion, value: [0, 0, 0, 1])
                }
            }
            do {
                let readOnly = try EventLog(directory: directory, readOnly: true)
                #expect(readOnly.formatVersion == 1)
                #expect(readOnly.schema.recentRequests.isEmpty)
                #expect(try readOnly.requestSeq("old-2") == 2)
                #expect(try readOnly.requestSeq("new") == nil)
            }
            let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26)
            // Migrated: a build that knows only version 1 now refuses the log instead of missing
            // the recent keys.
            #expect(log.formatVersion == 2)
            #expect(try EventLog(directory: directory, readOnly: true).formatVersion == 2)
            #expect(log.schema.recentRequests.count == 2)
            #expect(storeError { try log.append(records(3...3) { _ in "old-1" }) } == .duplicateKey(key: "old-1", existingSeq: 1))
            try log.append(records(3...3) { _ in "new" })
            #expect(try Self.stored(log).recent == [["new": 3], [:]])
            #expect(try log.requestSeq("old-2") == 2)
        }
    }

    @Test func anAbortedTransactionLeavesNoKeyInTheWritersMap() throws {
        try Self.withSmallLog { log, _ in
            try Self.appendEach(log, ["a"])
            // The keys are registered, then the snapshot is refused: the transaction aborts.
            let refused = storeError { try log.append(records(2...3) { "k\($0)" }, snapshot: Snapshot(seq: 9, state: [1])) }
            #expect(refused == .snapshotOutOfRange(seq: 9, lastSeq: 3))
            #expect(log.recentRequests.get().seqByKey == ["a": 1])
            #expect(log.recentRequests.get().asOfSeq == 1)
            #expect(try log.requestSeq("k2") == nil)
            try log.append(records(2...3) { "k\($0)" })  // not a duplicate of the aborted try
            #expect(try log.requestSeq("k3") == 3)
            // Aborted as it starts a fold: nothing folded, nothing lost, the fold not started.
            let foldRefused = storeError { try log.append(records(4...4) { _ in "z" }, snapshot: Snapshot(seq: 9, state: [1])) }
            #expect(foldRefused == .snapshotOutOfRange(seq: 9, lastSeq: 4))
            #expect(try Self.stored(log).recent == [["a": 1, "k2": 2, "k3": 3], [:]])
            #expect(try Self.stored(log).folded.isEmpty)
            let map = log.recentRequests.get()
            #expect(map.seqByKey == ["a": 1, "k2": 2, "k3": 3])
            #expect(map.current == 0 && map.folding.isEmpty && map.asOfSeq == 3)
            // Aborted halfway through a fold: the fold goes on from where the last commit left it.
            try Self.appendEach(log, ["z"])
            #expect(log.recentRequests.get().folded == 2)
            #expect(storeError { try log.append(records(5...5) { _ in "y" }, snapshot: Snapshot(seq: 9, state: [1])) } != nil)
            #expect(log.recentRequests.get().folded == 2)
            try Self.appendEach(log, ["y", "x"])
            #expect(try Self.stored(log).folded == ["a": 1, "k2": 2, "k3": 3])
            #expect(try Self.stored(log).recent == [[:], ["z": 4, "y": 5, "x": 6]])
        }
    }

    @Test func batchesReRunAfterTheMapGrowsKeepEachKeyOnce() throws {
        // Records of 8 KiB through a 256 KiB map: many batches hit MDB_MAP_FULL and run again.
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 256 << 10)
            let log = try EventLog(directory: directory, initialMapSizeBytes: 256 << 10,
                                   requestIndex: RequestIndexPolicy(foldAtKeys: 20, foldChunkKeys: 4, directBatchKeys: 100))
            var seq: Seq = 0
            for _ in 0..<60 {
                try log.append(records((seq + 1)...(seq + 3), count: 8 << 10) { "grow-\($0)" })
                seq += 3
            }
            #expect(log.environment.mapSizeBytes > 256 << 10)
            for key in 1...seq { #expect(try log.requestSeq("grow-\(key)") == key) }
            let recent = try Self.allRecent(log)
            #expect(try Self.stored(log).folded.merging(recent) { old, _ in old }.count == Int(seq.rawValue))
            #expect(log.recentRequests.get().seqByKey == Self.byBytes(recent))
        }
    }

    /// Random batches (mostly small, some large, some repeating a key) against a model: after
    /// every batch and after reopening, each key maps to the seq of its first append, in the
    /// writer's view, in a view without the map, and in the two sub-databases together.
    @Test(arguments: [UInt64(1), 7, 2026])
    func foldPreservesEveryKeyAndSeq(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let policy = RequestIndexPolicy(foldAtKeys: 37, foldChunkKeys: 8, directBatchKeys: 25)
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
            var model: [String: Seq] = [:]
            var clients = [Int](repeating: 0, count: 9)
            var used: [String] = []
            func key() -> String {
                if random.chance(20) && !used.isEmpty { return used[Int(random.below(UInt64(used.count)))] }
                if random.chance(30) { return "r\(random.next() % 1_000_000_007)" }
                let client = Int(random.below(UInt64(clients.count)))
                clients[client] += 1
                return "client\(client)-\(clients[client])"
            }
            do {
                let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: policy)
                for _ in 0..<300 {
                    let count = random.chance(10) ? Int(random.int(25...40)) : Int(random.int(1...12))
                    let first = log.lastSeq + 1
                    let keys = (0..<count).map { _ in random.chance(15) ? nil : key() }
                    var expected: StoreError?
                    var seen: [String: Seq] = [:]
                    for (offset, key) in keys.enumerated() {
                        guard let key else { continue }
                        if let existing = model[key] ?? seen[key] {
                            expected = .duplicateKey(key: key, existingSeq: existing)
                            break
                        }
                        seen[key] = first + UInt64(offset)
                    }
                    let batch = records(first...(first + UInt64(count) - 1)) { keys[first.distance(to: $0)] }
                    if let expected {
                        #expect(storeError { try log.append(batch) } == expected)
                    } else {
                        try log.append(batch)
                        model.merge(seen) { old, _ in old }
                        used += seen.keys.sorted()
                    }
                    let recent = try Self.allRecent(log)
                    #expect(log.recentRequests.get().seqByKey == Self.byBytes(recent))
                }
                try Self.expectAll(model, in: log)
            }
            try Self.expectAll(model, in: try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: policy))
        }
    }

    static func expectAll(_ model: [String: Seq], in log: EventLog) throws {
        let folded = try stored(log).folded
        let recent = try allRecent(log)
        // A key being folded is in both places, with one seq.
        #expect(folded.merging(recent) { old, new in old == new ? old : 0 } == model)
        for (key, seq) in model {
            #expect(try log.requestSeq(key) == seq)
            #expect(try seqWithoutMap(log, key) == seq)
        }
    }
}
