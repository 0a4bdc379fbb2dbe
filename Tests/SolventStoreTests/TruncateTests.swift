import Foundation
import SolventCore
@testable import SolventStore
import Testing

/// A former leader drops its unacknowledged tail (`EventLog.truncate(after:)`, issue 26): the
/// log is then exactly the prefix it kept — chain, snapshots, request keys and receipts — and the
/// writer's caches say so.
@Suite struct TruncateTests {
    /// A fold starts at four recent keys and moves one per commit; ten keys or more go direct.
    static let small = RequestIndexPolicy(foldAtKeys: 4, foldChunkKeys: 1, directBatchKeys: 10)

    /// Keys in every way (recent, folding, direct, a batch with a receipt), snapshots every 5;
    /// it ends mid-fold.
    static func build(_ directory: String) throws -> [String: Seq] {
        try KeyedLogs.build(directory, snapshotEvery: 5, singles: 9, direct: 12, requestIndex: small)
    }

    /// Every seq in `requests`, the recent databases and `requests.byseq`, read straight from LMDB.
    static func indexedSeqs(_ log: EventLog) throws -> [Seq] {
        try log.environment.read { transaction in
            var seqs: [Seq] = []
            func collect(_ database: Database, seqIsKey: Bool) throws {
                try transaction.withCursor(database) { cursor in
                    var entry = try cursor.first()
                    while let (key, value) = entry {
                        seqs.append(try EventLog.decodeSeq(seqIsKey ? key : value))
                        entry = try cursor.next()
                    }
                }
            }
            try collect(log.schema.requests, seqIsKey: false)
            for database in log.schema.recentRequests + [log.schema.requestsBySeq!] { try collect(database, seqIsKey: true) }
            return seqs
        }
    }

    /// Whether a fold is in progress (both recent databases hold keys).
    static func folding(_ log: EventLog) throws -> Bool {
        try log.environment.read { transaction in
            try log.schema.recentRequests.allSatisfy { database in
                try transaction.withCursor(database) { try $0.first() != nil }
            }
        }
    }

    /// A deposit record at `seq`, as the store would be sent it.
    static func depositRecord(_ log: EventLog, key: String) -> AppendRecord {
        var deposit = Deposit()
        deposit.account = AccountID(valid: "again")
        deposit.amount = Money(units: 1)
        let seq = log.lastSeq + 1
        let time = max(log.lastTime, TimeMs(1))
        return AppendRecord(seq: seq, time: time, bytes: RecordCodec.encode(Record(seq: seq, time: time, event: .deposit(deposit))),
                            requestKey: key)
    }

    /// Cut after every seq, with and without `requests.byseq` (emptied: a log made before it,
    /// whose keys truncation finds by scanning `requests`).
    @Test(arguments: [true, false])
    func truncatingAfterAnySeqLeavesExactlyThePrefix(indexed: Bool) throws {
        let last = try withTemporaryDirectory { directory in
            _ = try Self.build(directory)
            return try EventLog(directory: directory).lastSeq
        }
        var cutsMidFold = 0
        for cut in Seq(0)...last {
            try withTemporaryDirectory { directory in
                let keys = try Self.build(directory)
                let log = try EventLog(directory: directory, requestIndex: Self.small)
                #expect(try Self.folding(log), "the fixture ends mid-fold")
                if !indexed { try log.environment.write { try $0.empty(log.schema.requestsBySeq!) } }
                if try Self.check(log, truncatedAfter: cut, keys: keys) { cutsMidFold += 1 }
            }
        }
        #expect(cutsMidFold > 0, "some cuts leave a fold in progress")
    }

    /// Truncates after `cut` and checks the result; returns whether a fold is left in progress.
    static func check(_ log: EventLog, truncatedAfter cut: Seq, keys: [String: Seq]) throws -> Bool {
        let (last, hash) = (log.lastSeq, try #require(try log.chainHash(through: cut)))
        let time = cut == 0 ? ChainHead.genesis.time : try log.read { try RecordCodec.decode(try #require(try $0.record(cut)).bytes).time }
        let snapshots = try log.snapshotSeqs()
        // A cut between an input and what it derived leaves a log that does not re-derive (a fork
        // point never is one: records derived from the same input are the same).
        let endsAnInput = try log.read { reader in try reader.record(cut + 1).map { try RecordCodec.decode($0.bytes).cause == nil } ?? true }
        #expect(try log.truncate(after: cut) == Int(last.rawValue - cut.rawValue))
        let midFold = try Self.folding(log)
        #expect(log.lastSeq == cut && log.headHash == hash && log.lastTime == time, "cut \(cut)")
        #expect(try log.verifyChain() == .ok(count: cut.rawValue, head: hash))
        #expect(try log.snapshotSeqs() == snapshots.filter { $0 <= cut })
        #expect(try Self.indexedSeqs(log).allSatisfy { $0 <= cut }, "cut \(cut): no index names a dropped record")
        // The writer's map is the truncated log's, not the old one's (whose seq the log may reach
        // again: the map would then be taken for it).
        let map = log.recentRequests.get()
        let onDisk = RequestIndexTests.byBytes(try RequestIndexTests.allRecent(log))
        #expect(map.asOfSeq == cut && map.seqByKey == onDisk)
        if endsAnInput { _ = try log.rederivation() }  // the kept snapshots and records re-derive
        for (key, seq) in keys { #expect(try log.requestSeq(key) == (seq <= cut ? seq : nil), "cut \(cut): \(key)") }
        let batchSeq = try #require(keys[KeyedLogs.batchKey])
        #expect(try log.read { try $0.receipt(KeyedLogs.batchKey) } == (batchSeq <= cut ? KeyedLogs.receipt : nil))
        // Appends continue at cut + 1; a dropped key is free again, a kept one still taken.
        for (key, seq) in keys.sorted(by: { $0.value < $1.value }) {
            let record = Self.depositRecord(log, key: key)
            if seq <= cut {
                #expect(storeError { try log.append([record]) } == .duplicateKey(key: key, existingSeq: seq))
            } else {
                try log.append([record])
                #expect(try log.requestSeq(key) == record.seq)
            }
        }
        #expect(log.lastSeq == cut + UInt64(keys.values.filter { $0 > cut }.count))
        return midFold
    }

    @Test func truncatingPastTheHeadIsRefusedAndChangesNothing() throws {
        try withTemporaryDirectory { directory in
            let keys = try Self.build(directory)
            let log = try EventLog(directory: directory, requestIndex: Self.small)
            let (last, hash) = (log.lastSeq, log.headHash)
            let refused = storeError { try log.truncate(after: last + 1) }
            #expect(refused == .truncateBeyondHead(seq: last + 1, lastSeq: last))
            #expect(refused?.code == "truncate_beyond_head")
            #expect(log.lastSeq == last && log.headHash == hash)
            #expect(try log.verifyChain() == .ok(count: last.rawValue, head: hash))
            for (key, seq) in keys { #expect(try log.requestSeq(key) == seq) }
            #expect(try log.truncate(after: last) == 0)
            #expect(log.headHash == hash)
        }
    }

    @Test func truncatingToZeroEmptiesTheLog() throws {
        try withTemporaryDirectory { directory in
            let keys = try Self.build(directory)
            try {  // the log closes before it is opened again
                let log = try EventLog(directory: directory, requestIndex: Self.small)
                let last = log.lastSeq
                #expect(try log.truncate(after: 0) == Int(last.rawValue))
                #expect(log.head == .genesis)
                #expect(try log.verifyChain() == .ok(count: 0, head: ChainHead.genesis.hash))
                #expect(try log.snapshotSeqs().isEmpty && Self.indexedSeqs(log).isEmpty)
                for key in keys.keys { #expect(try log.requestSeq(key) == nil) }
                #expect(try log.read { try $0.receipt(KeyedLogs.batchKey) } == nil)
            }()
            let reopened = try EventLog(directory: directory, requestIndex: Self.small)
            #expect(reopened.head == .genesis)
            try reopened.append([Self.depositRecord(reopened, key: "single-1")])
            #expect(try reopened.requestSeq("single-1") == 1)
        }
    }
}
