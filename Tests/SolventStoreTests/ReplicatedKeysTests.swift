import Foundation
import SolventCore
@testable import SolventStore
import Testing

/// Request keys and batch receipts travel with replicated records (issue 26): whichever way a
/// key went on the leader (a recent database, straight into `requests`, a batch with a receipt),
/// the standby stores it, so a client retrying after a failover is answered once there.
@Suite struct ReplicatedKeysTests {
    static let singles = 5
    static let direct = RequestIndexPolicy.standard.directBatchKeys + 44

    @Test func theLeaderSendsEveryRecordsKeyAndABatchsReceipt() throws {
        try withTemporaryDirectory { directory in
            let keys = try KeyedLogs.build(directory, snapshotEvery: 100, singles: Self.singles, direct: Self.direct)
            let leader = try EventLog(directory: directory)
            let records = try leader.replicatedRecords(from: 1, limit: 100_000)
            #expect(UInt64(records.count) == leader.lastSeq.rawValue)
            let sent = Dictionary(uniqueKeysWithValues: records.compactMap { record in record.requestKey.map { ($0, record.seq) } })
            #expect(sent == keys)
            #expect(records.filter { $0.receipt != nil }.map(\.seq) == [try #require(keys[KeyedLogs.batchKey])])
            #expect(records.first { $0.requestKey == KeyedLogs.batchKey }?.receipt == KeyedLogs.receipt)
            // From the middle: the key walk starts where the records do.
            let from = try #require(keys["direct-100"])
            let tail = try leader.replicatedRecords(from: from, limit: 3)
            #expect(tail.map(\.requestKey) == ["direct-100", "direct-101", "direct-102"])
        }
    }

    /// Cut into any chunks, a batch's keyed record may wait on the standby for its derived
    /// records (the rejected withdrawal): its receipt waits with it.
    @Test(arguments: [1, 2, 7, 100_000])
    func onTheStandbyAReplicatedKeyIsADuplicateAndABatchsReceiptIsThere(chunk: Int) throws {
        try withTemporaryDirectory { directory in
            let keys = try KeyedLogs.build(directory + "/leader", snapshotEvery: 100, singles: Self.singles, direct: Self.direct)
            let leader = try EventLog(directory: directory + "/leader")
            try EventLog.create(directory: directory + "/standby", createdTimeMs: 0, snapshotEvery: leader.snapshotEvery,
                                rules: leader.rules)
            let standby = try StandbyLog(directory: directory + "/standby")
            while standby.nextSeq <= leader.lastSeq {
                let (records, headHash) = try leader.replicatedBatch(from: standby.nextSeq, limit: chunk)
                try standby.receive(records, headHash: headHash)
            }
            let log = standby.log
            #expect(log.headHash == leader.headHash)
            for (key, seq) in keys { #expect(try log.requestSeq(key) == seq, "\(key)") }
            for key in ["single-2", "direct-1", "direct-\(Self.direct)", KeyedLogs.batchKey] {
                let (seq, retry) = (try #require(keys[key]), AppendRecord(seq: log.lastSeq + 1, time: log.lastTime, bytes: [1], requestKey: key))
                #expect(storeError { try log.append([retry]) } == .duplicateKey(key: key, existingSeq: seq))
            }
            #expect(try log.read { try $0.receipt(KeyedLogs.batchKey) } == KeyedLogs.receipt)
            // Promoted, the standby sends on exactly what it was sent.
            #expect(try log.replicatedRecords(from: 1, limit: 100_000) == leader.replicatedRecords(from: 1, limit: 100_000))
        }
    }

    /// Records appended before `requests.byseq` existed (emptied here to stand for such a log)
    /// replicate without keys; the records after them still carry theirs.
    @Test func recordsWithoutAnIndexedKeyReplicateWithoutOne() throws {
        try withTemporaryDirectory { directory in
            let keys = try KeyedLogs.build(directory, snapshotEvery: 100, singles: Self.singles, direct: Self.direct)
            let log = try EventLog(directory: directory)
            let bySeq = try #require(log.schema.requestsBySeq)
            try log.environment.write { try $0.empty(bySeq) }
            let next = log.lastSeq + 1
            try log.append([AppendRecord(seq: next, time: log.lastTime, bytes: [1], requestKey: "after")])
            let records = try log.replicatedRecords(from: 1, limit: 100_000)
            #expect(records.compactMap(\.requestKey) == ["after"])
            #expect(records.last?.seq == next)
            #expect(try log.requestSeq("single-1") == keys["single-1"], "the key itself is still known")
        }
    }

    /// The bytes budget counts what a record carries (key and receipt too), not its bytes alone.
    @Test func aBatchCutByBytesCountsKeysAndReceipts() throws {
        try withTemporaryDirectory { directory in
            let keys = try KeyedLogs.build(directory, snapshotEvery: 100, singles: Self.singles, direct: Self.direct)
            let log = try EventLog(directory: directory)
            let batchSeq = try #require(keys[KeyedLogs.batchKey])
            let alone = try log.replicatedRecords(from: batchSeq, limit: 1)[0]
            #expect(alone.carriedBytes == alone.bytes.count + KeyedLogs.batchKey.utf8.count + KeyedLogs.receipt.count)
            let (cut, _) = try log.replicatedBatch(from: batchSeq, limit: 100, maxBytes: alone.carriedBytes)
            #expect(cut.count == 1)
        }
    }
}
