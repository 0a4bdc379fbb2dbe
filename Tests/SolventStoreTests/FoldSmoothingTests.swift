import SolventCore
@testable import SolventStore
import SolventTestSupport
import Testing

/// A fold's work spread evenly over commits (docs/INGEST.md, "The fold, smoothed"): each
/// commit folds at least as many keys as it adds, the keys a fold starts with are sorted ahead
/// (`EventLog.prepareFold`) or at the start alike, and LMDB's key order is kept.
@Suite struct FoldSmoothingTests {
    /// One key per commit as the minimum; a fold from four keys; batches of ten go direct.
    static let one = RequestIndexPolicy(foldAtKeys: 4, foldChunkKeys: 1, directBatchKeys: 10)

    @Test func aCommitFoldsAsManyKeysAsItAddsWhenThatIsMoreThanTheChunk() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
            let log = try EventLog(directory: directory, initialMapSizeBytes: 1 << 26, requestIndex: Self.one)
            try log.append(records(1...3) { ["c", "a", "b"][Int($0.rawValue - 1)] })
            // Three recent plus three starts a fold; the commit adds three, so it folds three,
            // not one: the whole fold ends in it and the first database is emptied.
            try log.append(records(4...6) { ["f", "d", "e"][Int($0.rawValue - 4)] })
            let stored = try RequestIndexTests.stored(log)
            #expect(stored.folded == ["a": 2, "b": 3, "c": 1])
            #expect(stored.recent == [[:], ["f": 4, "d": 5, "e": 6]])
            let map = log.recentRequests.get()
            #expect(map.seqByKey == ["f": 4, "d": 5, "e": 6])
            #expect(map.folding.isEmpty && map.current == 1)
            // One key per commit next: the chunk's minimum (1) applies, so the fold of d, e and
            // f that g starts takes three commits.
            for (seq, key) in [(Seq(7), "g"), (8, "h"), (9, "i")] {
                try log.append(records(seq...seq) { _ in key })
                #expect(try RequestIndexTests.stored(log).folded.count == 3 + Int(seq.rawValue - 6))
            }
            #expect(try RequestIndexTests.stored(log).recent == [["g": 7, "h": 8, "i": 9], [:]])
            // j starts the next fold (g moves); ten keys then go straight to `requests`: they add
            // nothing to a recent database, so that commit folds the minimum, h, and not i too.
            try log.append(records(10...10) { _ in "j" })
            try log.append(records(11...20) { "direct-\($0)" })
            let afterDirect = try RequestIndexTests.stored(log)
            #expect(afterDirect.folded["g"] == 7 && afterDirect.folded["h"] == 8 && afterDirect.folded["i"] == nil)
            #expect(afterDirect.folded["direct-11"] == 11 && afterDirect.folded.count == 6 + 2 + 10)
            #expect(afterDirect.recent == [["g": 7, "h": 8, "i": 9], ["j": 10]])
            for (key, seq) in [("a", Seq(2)), ("d", 5), ("g", 7), ("i", 9)] { #expect(try log.requestSeq(key) == seq) }
        }
    }

    @Test func aFoldIsSortedAheadOnlyWhenTheNextCommitMayStartIt() throws {
        try RequestIndexTests.withSmallLog { log, _ in  // a fold from four keys
            try RequestIndexTests.appendEach(log, ["c", "a"])
            log.prepareFold()
            #expect(log.recentRequests.get().nextFold == nil)  // two recent, one more per commit: not yet
            try RequestIndexTests.appendEach(log, ["b"])
            log.prepareFold()
            let prepared = try #require(log.recentRequests.get().nextFold)
            #expect(prepared.asOfSeq == 3)
            #expect(prepared.keys.map(\.key) == ["a", "b", "c"])
            try RequestIndexTests.appendEach(log, ["d"])  // starts the fold with the sorted keys
            let map = log.recentRequests.get()
            #expect(map.folding.map(\.key) == ["a", "b", "c"])
            #expect(map.nextFold == nil)
            #expect(try RequestIndexTests.stored(log).folded == ["a": 2, "b": 3])
            log.prepareFold()
            #expect(log.recentRequests.get().nextFold == nil)  // a fold is in progress
        }
    }

    /// The same random batches into two logs, one asked to sort each fold ahead after every
    /// commit (often too early: a batch smaller than the last does not start the fold, and the
    /// sorted keys are then a commit old), the other never: their databases must stay identical.
    @Test(arguments: [UInt64(3), 11, 2027])
    func sortingAheadChangesNothingStored(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let policy = RequestIndexPolicy(foldAtKeys: 23, foldChunkKeys: 3, directBatchKeys: 12)
        try withTemporaryDirectory { directory in
            var logs: [EventLog] = []
            for name in ["ahead", "plain"] {
                try EventLog.create(directory: "\(directory)/\(name)", createdTimeMs: 0, initialMapSizeBytes: 1 << 26)
                logs.append(try EventLog(directory: "\(directory)/\(name)", initialMapSizeBytes: 1 << 26, requestIndex: policy))
            }
            var next = 0
            for _ in 0..<200 {
                let count = random.chance(10) ? Int(random.int(12...16)) : Int(random.int(1...6))
                let first = logs[0].lastSeq + 1
                let keys = (0..<count).map { _ -> String in
                    next += 1
                    return "k\(random.next() % 1_000_003)-\(next)"
                }
                for log in logs { try log.append(records(first...(first + UInt64(count) - 1)) { keys[first.distance(to: $0)] }) }
                logs[0].prepareFold()
                #expect(try RequestIndexTests.stored(logs[0]) == RequestIndexTests.stored(logs[1]))
                #expect(logs[0].recentRequests.get().seqByKey == logs[1].recentRequests.get().seqByKey)
            }
            for key in ["k1", "nope"] { #expect(try logs[0].requestSeq(key) == logs[1].requestSeq(key)) }
        }
    }

    /// UTF-8 byte order, as LMDB compares `requests` keys: a key before the longer ones it
    /// starts (also when those continue with zero bytes), keys alike in their first 8 bytes told
    /// apart by the rest, and non-ASCII by bytes, not by Swift's string order.
    @Test func keysAreSortedAsLMDBOrdersTheirBytes() {
        var random = SplitMix64(seed: 42)
        var keys = ["ab", "ab\u{0}", "ab\u{0}\u{0}x", "a", "abcdefgh", "abcdefgh\u{0}", "abcdefghi", "abcdefgg~",
                    "\u{E9}", "e\u{301}", "\u{FF5E}", "z", "client12-7", "client12-70", "client12-8", "client1-9"]
        for _ in 0..<300 {
            let length = Int(random.int(1...12))
            keys.append(String(decoding: (0..<length).map { _ in UInt8(random.int(0...3)) + 0x61 }, as: UTF8.self))
        }
        var seen = Set<KeyBytes>()
        keys = keys.filter { seen.insert(KeyBytes($0)).inserted }  // by bytes, in the order made
        let ordered = RecentRequests.inKeyOrder(keys.enumerated().map { (key: $0.element, seq: Seq(UInt64($0.offset))) })
        let expected = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(ordered.map { Array($0.key.utf8) } == expected.map { Array($0.utf8) })
        #expect(RecentRequests.orderPrefix("ab") < RecentRequests.orderPrefix("ab\u{1}"))
        #expect(RecentRequests.orderPrefix("abcdefgh") == RecentRequests.orderPrefix("abcdefghZ"))
    }
}
