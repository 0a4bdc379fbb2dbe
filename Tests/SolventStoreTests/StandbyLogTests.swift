import Foundation
import SolventCore
import SolventStore
import Testing

/// A standby's copy of a leader's log (issue 26, Replication/StandbyLog.swift), on real LMDB:
/// streamed in chunks that cut inputs from their derived records, it ends equal to the leader's
/// (same head hash, chain and re-derivation verified, snapshots that re-derive); a record altered
/// in transit stops it with nothing appended from that record on; a gap is refused without
/// stopping it; a standby reopened mid-stream continues from its durable seq.
@Suite struct StandbyLogTests {
    static let scenarioPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios/liquidation.ndjson").path

    /// A leader's log of the liquidation scenario (inputs, liquidations, auctions, ADL), every
    /// input under a key. (Its `snapshotEvery` is also its state roots' period, which would move
    /// the scenario's auction ids: the standby snapshots more often by its own setting.)
    static func leaderInputs() throws -> [JournalInput] {
        let text = try String(contentsOfFile: scenarioPath, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { offset, line in
            let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
            return JournalInput(time: try #require(time), event: event, key: "k-\(offset)")
        }
    }

    static func leader(_ directory: String) throws -> EventLog {
        let inputs = try leaderInputs()
        // The scenario's auction ids and amounts are the worked example's, under rules 2's defaults.
        try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: 1_000, rules: .v2)
        let journal = try Journal(directory: directory)
        try journal.append(inputs)
        return journal.log
    }

    static func standby(_ directory: String, like leader: EventLog) throws -> StandbyLog {
        if !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // The leader's rules and snapshot period (its state roots'), as `meta` records them.
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: leader.snapshotEvery, rules: leader.rules)
        }
        return try StandbyLog(directory: directory, snapshotEvery: 5)
    }

    static func derivedSeqs(_ log: EventLog) throws -> [Seq] {
        var seqs: [Seq] = []
        try log.read { reader in
            try reader.forEach { stored in
                if try RecordCodec.decode(stored.bytes).cause != nil { seqs.append(stored.seq) }
                return true
            }
        }
        return seqs
    }

    @Test(arguments: [1, 2, 3, 7, 1_000])
    func streamedInAnyChunksTheStandbyEndsEqualToTheLeader(chunk: Int) throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            let standby = try Self.standby(directory + "/standby", like: leader)
            while standby.nextSeq <= leader.lastSeq {
                try standby.receive(try leader.replicatedRecords(from: standby.nextSeq, limit: chunk))
            }
            #expect(standby.durableSeq == leader.lastSeq)
            #expect(standby.log.headHash == leader.headHash)
            #expect(try standby.log.verifyChain() == .ok(count: leader.lastSeq.rawValue, head: leader.headHash))
            _ = try standby.log.rederivation()  // throws if the standby's log does not re-derive
            // Its own snapshots, where its batches cross a multiple of 5 (one batch: one snapshot).
            #expect(try standby.log.snapshotSeqs().count >= (chunk > 5 ? 1 : 3), "it writes its own snapshots")
            for seq in try standby.log.snapshotSeqs() {
                let snapshot = try #require(try standby.log.snapshot(atOrBefore: seq))
                #expect(snapshot.state == (try standby.log.ledger(at: seq)).encodeSnapshot(), "snapshot \(seq) re-derives")
            }
        }
    }

    @Test func aStreamCutBetweenAnInputAndItsDerivedRecordsAppendsOnlyWholeInputs() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            let firstDerived = try #require(try Self.derivedSeqs(leader).first)
            let standby = try Self.standby(directory + "/standby", like: leader)
            // Up to and including the input that derives `firstDerived`, not its derived records.
            try standby.receive(try leader.replicatedRecords(from: 1, limit: Int(firstDerived.rawValue) - 1))
            #expect(standby.durableSeq == firstDerived - 2, "the input waits for what it derived")
            #expect(standby.nextSeq == firstDerived)
            // Reopened now, the standby forgets the waiting input and asks for it again.
            let reopened = try Self.standby(directory + "/standby", like: leader)
            #expect(reopened.nextSeq == firstDerived - 1)
            while reopened.nextSeq <= leader.lastSeq {
                try reopened.receive(try leader.replicatedRecords(from: reopened.nextSeq, limit: 4))
            }
            #expect(reopened.log.headHash == leader.headHash)
        }
    }

    @Test func aDerivedRecordAlteredInTransitStopsTheStandbyBeforeIt() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            let derived = try Self.derivedSeqs(leader)
            let target = derived[derived.count / 2]
            var records = try leader.replicatedRecords(from: 1, limit: 10_000)
            let index = Int(target.rawValue) - 1
            records[index].bytes[records[index].bytes.count - 1] ^= 0x01  // one bit of its payload
            let standby = try Self.standby(directory + "/standby", like: leader)
            #expect(throws: StandbyAlarm.self) { try standby.receive(records) }
            #expect(standby.alarm?.seq == target, "\(String(describing: standby.alarm))")
            #expect(standby.durableSeq < target, "nothing from the altered record on")
            _ = try standby.log.rederivation()
            // Stopped: the right records are refused too, until an operator looks.
            #expect(throws: StandbyAlarm.self) { try standby.receive(try leader.replicatedRecords(from: standby.nextSeq, limit: 5)) }
            #expect(standby.durableSeq < target)
        }
    }

    @Test func aRecordThatDoesNotContinueTheChainStopsTheStandby() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            var records = try leader.replicatedRecords(from: 1, limit: 10_000)
            records[9].prevHash[0] ^= 0xFF
            let standby = try Self.standby(directory + "/standby", like: leader)
            let alarm = try #require(throws: StandbyAlarm.self) { try standby.receive(records) }
            #expect(alarm.seq == 10 && alarm.reason.contains("chains differ"), "\(alarm)")
            #expect(standby.durableSeq < 10)
        }
    }

    @Test func aGapIsRefusedAndTheStandbyAsksAgain() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            let standby = try Self.standby(directory + "/standby", like: leader)
            try standby.receive(try leader.replicatedRecords(from: 1, limit: 4))
            let next = standby.nextSeq
            let gap = try #require(throws: StandbyGap.self) {
                try standby.receive(try leader.replicatedRecords(from: next + 1, limit: 4))
            }
            #expect(gap.expected == next)
            #expect(standby.alarm == nil)
            try standby.receive(try leader.replicatedRecords(from: next, limit: 10_000))
            #expect(standby.log.headHash == leader.headHash)
        }
    }

    /// An input's bytes cannot be judged by re-deriving (any valid input applies): the batch's
    /// head hash from the leader catches the last one, and the standby keeps only what is confirmed.
    @Test func anInputAlteredAsTheBatchsLastRecordIsCaughtByTheHeadHash() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            var (records, headHash) = try leader.replicatedBatch(from: 1, limit: 14)  // 14 is an auction.bid
            #expect(try RecordCodec.decode(records[13].bytes).cause == nil)
            records[13].bytes[records[13].bytes.count - 1] ^= 0x01
            let standby = try Self.standby(directory + "/standby", like: leader)
            let alarm = try #require(throws: StandbyAlarm.self) { try standby.receive(records, headHash: headHash) }
            #expect(alarm.seq == 14 && alarm.reason.contains("head hash"), "\(alarm)")
            #expect(standby.durableSeq == 13)
            // The same batch unaltered is confirmed: all but the bid, which waits for what it derives.
            let fresh = try Self.standby(directory + "/fresh", like: leader)
            (records, headHash) = try leader.replicatedBatch(from: 1, limit: 14)
            try fresh.receive(records, headHash: headHash)
            #expect(fresh.durableSeq == 13 && fresh.nextSeq == 15)
            (records, headHash) = try leader.replicatedBatch(from: 15, limit: 10_000)
            try fresh.receive(records, headHash: headHash)
            #expect(fresh.log.headHash == leader.headHash)
        }
    }

    /// A leader's message is cut by bytes as well as by count, so that large records never
    /// make one larger than the link's frame bound; the cut still continues the chain.
    @Test func aBatchIsCutByItsBytes() throws {
        try withTemporaryDirectory { directory in
            let leader = try Self.leader(directory + "/leader")
            #expect(try leader.replicatedBatch(from: 1, limit: 10_000, maxBytes: 1).records.count == 1)
            let (cut, _) = try leader.replicatedBatch(from: 1, limit: 10_000, maxBytes: 600)
            let total = cut.reduce(0) { $0 + $1.carriedBytes }  // keys count too: they are sent
            #expect(cut.count > 1 && UInt64(cut.count) < leader.lastSeq.rawValue)
            #expect(total >= 600 && total - cut.last!.carriedBytes < 600)
            let standby = try Self.standby(directory + "/standby", like: leader)
            while standby.nextSeq <= leader.lastSeq {
                let (records, head) = try leader.replicatedBatch(from: standby.nextSeq, limit: 10_000, maxBytes: 600)
                try standby.receive(records, headHash: head)
            }
            #expect(standby.log.headHash == leader.headHash)
        }
    }
}
