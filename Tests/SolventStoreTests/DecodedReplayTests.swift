import Foundation
import SolventCore
import SolventStore
import SolventTestSupport
import Testing

/// Replay with decoding on a second thread (`LogReader.replay`), on real LMDB: the same state
/// and the same first mismatch, at the same seq, as feeding the records one by one.
@Suite struct DecodedReplayTests {
    /// Enough records for the decoding thread (over `decodeThreadMinRecords`, many batches),
    /// with a withdrawal (and its derived record) late in the log.
    static func inputs() -> [JournalInput] {
        var events = [listed("BTC-PERP"), oracle("BTC-PERP", "30000")]
        events += (0..<200).map { deposit("acct-\($0)", "100000") }
        var random = SplitMix64(state: 11)
        for n in 0..<6_000 {
            let buyer = Int(random.below(200))
            let seller = (buyer + 1 + Int(random.below(199))) % 200
            events.append(trade("BTC-PERP", buyer: "acct-\(buyer)", seller: "acct-\(seller)", "0.001", at: "30000"))
            if n == 5_000 { events.append(withdrawal("acct-3", "1")) }
            if n % 1_000 == 999 { events.append(oracle("BTC-PERP", n % 2000 == 999 ? "30010" : "29990")) }
        }
        return events.enumerated().map { JournalInput(time: TimeMs(Int64($0.offset)), event: $0.element) }
    }

    /// The first mismatch feeding every record one at a time, and the replay after.
    static func feedOneByOne(_ log: EventLog) throws -> (ReplayMismatch?, Rederivation) {
        var replay = Rederivation(stateRoots: log.stateRoots)
        var mismatch: ReplayMismatch?
        try log.read { reader in
            try reader.forEachBorrowed(from: 1, through: nil) { stored in
                mismatch = replay.feed(stored.bytes)
                return mismatch == nil
            }
        }
        return (mismatch ?? replay.finish(), replay)
    }

    @Test func theDecodingThreadEndsInTheSameStateAsFeedingOneByOne() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: UInt64.max)
            let journal = try Journal(directory: directory)
            try journal.append(Self.inputs())
            #expect(journal.log.lastSeq.rawValue > LogReader.decodeThreadMinRecords)
            let (plainMismatch, plain) = try Self.feedOneByOne(journal.log)
            #expect(plainMismatch == nil)
            var replay = Rederivation(stateRoots: journal.log.stateRoots)
            var seen: [Seq] = []
            let mismatch = try journal.log.read { reader in
                try reader.replay(&replay, from: 1) { _, seq in
                    seen.append(seq)
                    return true
                }
            }
            #expect(mismatch == nil && replay.finish() == nil)
            #expect(seen.count == Int(journal.log.lastSeq.rawValue), "every record once")
            #expect(seen.firstIndex { $0 != Seq(UInt64(seen.firstIndex(of: $0)! + 1)) } == nil, "in seq order")
            #expect(replay.ledger == plain.ledger)
            #expect(replay.ledger == journal.ledger)
            // The decoder came back: a second pass from a later seq continues with its ids.
            var tail = Rederivation(ledger: try Ledger(snapshot: journal.ledger.encodeSnapshot()), lastSeq: journal.log.lastSeq)
            #expect(try journal.log.read { try $0.replay(&tail, from: journal.log.lastSeq + 1) } == nil)
        }
    }

    @Test func aForgedDerivedRecordIsReportedAtItsExactSeqThroughTheThread() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: UInt64.max)
            let journal = try Journal(directory: directory)
            var records = try journal.append(Self.inputs()).flatMap { $0 }
            let index = try #require(records.firstIndex { $0.kind == .withdrawalAccepted })
            guard case .withdrawalAccepted(var accepted) = records[index].event else { Issue.record("no match: case .withdrawalAccepted(var accepted) = records[index].event"); return }
            accepted.available = accepted.available + Money(units: 1)
            records[index].event = .withdrawalAccepted(accepted)
            try withTemporaryDirectory { forged in
                try EventLog.create(directory: forged, createdTimeMs: 0, snapshotEvery: UInt64.max)
                let log = try EventLog(directory: forged)
                try log.append(records.map { AppendRecord(seq: $0.seq, time: $0.time, bytes: RecordCodec.encode($0)) })
                let (plain, _) = try Self.feedOneByOne(log)
                var replay = Rederivation(stateRoots: log.stateRoots)
                var last: Seq = 0
                let mismatch = try log.read { reader in
                    try reader.replay(&replay, from: 1) { _, seq in
                        last = seq
                        return true
                    }
                }
                let found = try #require(mismatch)
                #expect(found.seq == records[index].seq)
                #expect(found.seq.rawValue > LogReader.decodeThreadMinRecords, "found by the decoding thread's path")
                #expect(found == plain)
                #expect(last == found.seq - 1, "stops at the mismatch")
                #expect(throws: ReplayMismatch.self) { try Journal(directory: forged) }
            }
        }
    }

    @Test func stoppingEarlyLeavesTheReplayAtTheSeqWhereItStopped() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: UInt64.max)
            let journal = try Journal(directory: directory)
            try journal.append(Self.inputs())
            for stop: Seq in [1, 700, 5_001] {
                var replay = Rederivation(stateRoots: journal.log.stateRoots)
                let mismatch = try journal.log.read { reader in try reader.replay(&replay, from: 1) { _, seq in seq < stop } }
                #expect(mismatch == nil)
                #expect(replay.lastSeq == stop)
            }
            // A bounded range decodes only up to `through`, however long the log.
            var bounded = Rederivation(stateRoots: journal.log.stateRoots)
            #expect(try journal.log.read { try $0.replay(&bounded, from: 1, through: 4_500) } == nil)
            #expect(bounded.lastSeq == 4_500)
            #expect(bounded.ledger == (try journal.log.ledger(at: 4_500)))
        }
    }
}
