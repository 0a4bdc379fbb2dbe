import Foundation
import SolventCore
import SolventStore
import Testing

/// The engine in the write path, on real LMDB: all-or-nothing batches, snapshots, reload, and
/// re-derivation catching a log whose chain was rebuilt to hide an altered record.
@Suite struct JournalTests {
    static let scenarioPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios/basic.ndjson").path

    static func scenarioInputs() throws -> [JournalInput] {
        let text = try String(contentsOfFile: scenarioPath, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
            return JournalInput(time: try #require(time), event: event)
        }
    }

    static func withJournal<T>(snapshotEvery: UInt64? = nil, _ body: (Journal, String) throws -> T) throws -> T {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: snapshotEvery)
            return try body(try Journal(directory: directory), directory)
        }
    }

    @Test func reopeningRebuildsExactlyTheSameState() throws {
        try Self.withJournal { journal, directory in
            let results = try journal.append(try Self.scenarioInputs())
            #expect(results.count == 17)
            // The refused withdrawal is logged with its derived rejection right after it.
            let rejected = try #require(results.first { $0[0].kind == .withdrawal })
            #expect(rejected.count == 2)
            #expect(rejected[1].kind == .withdrawalRejected)
            #expect(rejected[1].cause == rejected[0].seq)
            let reopened = try Journal(directory: directory)
            #expect(reopened.ledger.encodeSnapshot() == journal.ledger.encodeSnapshot())
            #expect(reopened.log.lastSeq == 19)
        }
    }

    @Test func aRefusedInputAppendsNothingOfItsBatch() throws {
        try Self.withJournal { journal, _ in
            try journal.append(Array(try Self.scenarioInputs().prefix(8)))
            let before = journal.ledger.encodeSnapshot()
            var withdrawal = Withdrawal()
            withdrawal.account = AccountID(valid: "nobody")
            withdrawal.amount = Money(units: 1)
            var deposit = Deposit()
            deposit.account = AccountID(valid: "alice")
            deposit.amount = Money(units: 7)
            let batch = [JournalInput(time: 1_800_000_000_000, event: .deposit(deposit)),
                         JournalInput(time: 1_800_000_000_000, event: .withdrawal(withdrawal))]
            #expect {
                try journal.append(batch)
            } throws: { error in
                guard let refusal = error as? JournalRefusal else { return false }
                return refusal.index == 1 && refusal.error.field == "account"
            }
            #expect(journal.log.lastSeq == 8)
            #expect(journal.ledger.encodeSnapshot() == before)
        }
    }

    @Test func appendAcceptedLeavesOutOnlyTheRefusedInputs() throws {
        try Self.withJournal { journal, _ in
            try journal.append(Array(try Self.scenarioInputs().prefix(8)))
            var withdrawal = Withdrawal()
            withdrawal.account = AccountID(valid: "nobody")
            withdrawal.amount = Money(units: 1)
            var deposit = Deposit()
            deposit.account = AccountID(valid: "alice")
            deposit.amount = Money(units: 7)
            let time: TimeMs = 1_800_000_000_000
            let results = try journal.appendAccepted([
                JournalInput(time: time, event: .deposit(deposit), key: "a"),
                JournalInput(time: time, event: .withdrawal(withdrawal), key: "b"),
                JournalInput(time: 1, event: .deposit(deposit), key: "c"),
                JournalInput(time: time, event: .deposit(deposit), key: "a"),
                JournalInput(time: time, event: .deposit(deposit), key: "d"),
                // Canonically equivalent to each other, but two keys (bytes differ).
                JournalInput(time: time, event: .deposit(deposit), key: "\u{E9}"),
                JournalInput(time: time, event: .deposit(deposit), key: "e\u{301}"),
            ])
            #expect(results.map { (try? $0.get())?.first?.seq } == [9, nil, nil, nil, 10, 11, 12])
            let codes = results.map { result -> String? in if case .failure(let error) = result { error.code } else { nil } }
            #expect(codes[1] != nil && codes[2] == "time_regression" && codes[3] == "duplicate_key")
            #expect(journal.log.lastSeq == 12)
            #expect(try journal.seq(forKey: "d") == 10)
            #expect(try journal.seq(forKey: "e\u{301}") == 12)
            #expect(try journal.seq(forKey: "b") == nil)
        }
    }

    @Test func timeGoingBackwardsIsRefusedNamingTheInput() throws {
        try Self.withJournal { journal, _ in
            try journal.append(Array(try Self.scenarioInputs().prefix(5)))
            var deposit = Deposit()
            deposit.account = AccountID(valid: "alice")
            deposit.amount = Money(units: 1)
            #expect {
                try journal.append([JournalInput(time: 1, event: .deposit(deposit))])
            } throws: { error in
                (error as? JournalRefusal)?.error.code == "time_regression"
            }
            #expect(journal.log.lastSeq == 5)
        }
    }

    @Test func aRepeatedRequestKeyIsRefusedAndTheFirstSeqKept() throws {
        try Self.withJournal { journal, _ in
            let inputs = try Self.scenarioInputs()
            try journal.append(Array(inputs.prefix(4)))
            var keyed = inputs[4]
            keyed.key = "gw1-000042"
            let first = try journal.append([keyed])
            #expect(try journal.seq(forKey: "gw1-000042") == first[0][0].seq)
            keyed.time += 1
            #expect(throws: StoreError.self) { try journal.append([keyed]) }
            #expect(journal.log.lastSeq == first[0][0].seq)
        }
    }

    /// A batch that the store refuses at commit (a key already stored: the write transaction
    /// throws after the state was changed in place) leaves no trace of the batch in the state.
    @Test func aFailedGroupCommitRebuildsTheStateFromTheLog() throws {
        try Self.withJournal(snapshotEvery: 5) { journal, directory in
            let inputs = try Self.scenarioInputs()
            try journal.append(Array(inputs.prefix(8)))
            var keyed = inputs[8]
            keyed.key = "taken"
            try journal.append([keyed])
            let before = journal.ledger.encodeSnapshot()
            let lastSeq = journal.log.lastSeq
            var deposit = Deposit()
            deposit.account = AccountID(valid: "alice")
            deposit.amount = Money(units: 500)
            let time = inputs[8].time
            #expect(throws: StoreError.self) {
                try journal.appendAccepted([
                    JournalInput(time: time, event: .deposit(deposit), key: "fresh"),
                    JournalInput(time: time, event: .deposit(deposit), key: "taken"),
                ])
            }
            #expect(journal.ledger.encodeSnapshot() == before)
            #expect(journal.log.lastSeq == lastSeq)
            // The journal goes on from the rebuilt state, and a reopen agrees with it.
            let results = try journal.appendAccepted([JournalInput(time: time, event: .deposit(deposit), key: "fresh")])
            #expect((try? results[0].get())?.first?.seq == lastSeq + 1)
            #expect(try Journal(directory: directory).ledger == journal.ledger)
        }
    }

    /// The two steps of the group commit: a second batch staged on the staged head while the
    /// first is not committed yet follows it in seq, time and snapshots; committed in order they
    /// give the log what `appendAccepted` of the same two batches in turn gives. A batch staged after one whose commit
    /// fails is refused by the log (its seqs follow records that are not there), and
    /// `discardStaged` puts the state and the staged head back on the log.
    @Test func aBatchStagedBehindAnUncommittedOneFollowsItAndDiscardingDropsBoth() throws {
        let inputs = try Self.scenarioInputs()
        // The same two batches appended one after the other: a snapshot is taken per batch that
        // crosses a boundary, so one batch of all would take fewer.
        let reference = try Self.withJournal(snapshotEvery: 5) { journal, _ in
            _ = try journal.appendAccepted(Array(inputs.prefix(9)))
            _ = try journal.appendAccepted(Array(inputs.dropFirst(9)))
            return (journal.log.headHash, try journal.log.snapshotSeqs(), journal.ledger.encodeSnapshot())
        }
        try Self.withJournal(snapshotEvery: 5) { journal, _ in
            let (firstResults, first) = journal.stageAccepted(Array(inputs.prefix(9)))
            let (_, second) = journal.stageAccepted(Array(inputs.dropFirst(9)))
            #expect(journal.hasStaged && journal.log.lastSeq == 0)
            let firstLast = try #require(first.lastSeq)
            #expect(second.records.first?.seq == firstLast + 1)
            #expect(journal.stagedSeq == second.lastSeq)
            #expect((try? firstResults[0].get())?.first?.seq == 1)
            try first.commit(to: journal.log)
            try second.commit(to: journal.log)
            #expect(!journal.hasStaged)
            #expect(journal.log.headHash == reference.0)
            #expect(journal.ledger.encodeSnapshot() == reference.2)
            // A snapshot is taken where a batch crosses a boundary, from the state right then:
            // at the seqs the two batches appended in turn give, and at least one (19 records,
            // every 5), so the loop below cannot pass by running zero times.
            let snapshots = try journal.log.snapshotSeqs()
            #expect(snapshots == reference.1)
            try #require(!snapshots.isEmpty, "no snapshot taken: the loop below would check nothing")
            for seq in snapshots {
                let snapshot = try #require(try journal.log.snapshot(atOrBefore: seq))
                #expect(snapshot.state == (try journal.log.ledger(at: seq).encodeSnapshot()))
            }
        }
        try Self.withJournal { journal, _ in
            try journal.append(Array(inputs.prefix(3)))
            let before = journal.ledger.encodeSnapshot()
            let (_, lost) = journal.stageAccepted([inputs[3]])
            let (_, behind) = journal.stageAccepted([inputs[4]])
            // `lost` is never committed (as if its commit failed): the log refuses `behind`.
            #expect(throws: StoreError.self) { try behind.commit(to: journal.log) }
            #expect(lost.lastSeq == 4 && journal.log.lastSeq == 3)
            journal.discardStaged()
            #expect(!journal.hasStaged && journal.stagedSeq == 3)
            #expect(journal.ledger.encodeSnapshot() == before)
            let results = try journal.appendAccepted([inputs[3]])
            #expect((try? results[0].get())?.first?.seq == 4)
        }
    }

    @Test func aFailedAllOrNothingCommitLeavesTheStateAsBefore() throws {
        try Self.withJournal { journal, _ in
            let inputs = try Self.scenarioInputs()
            var keyed = inputs[0]
            keyed.key = "taken"
            try journal.append([keyed] + inputs[1..<8])
            let before = journal.ledger.encodeSnapshot()
            var again = inputs[8]
            again.key = "taken"
            #expect(throws: StoreError.self) { try journal.append([inputs[8], again]) }
            #expect(journal.ledger.encodeSnapshot() == before)
            #expect(journal.log.lastSeq == 8)
        }
    }

    @Test func snapshotPlusTailEqualsReplayFromGenesis() throws {
        try Self.withJournal(snapshotEvery: 4) { journal, directory in
            for input in try Self.scenarioInputs() { try journal.append([input]) }
            let snapshots = try journal.log.snapshotSeqs()
            #expect(snapshots.count >= 4)
            // Reopening loads the latest snapshot and replays only the tail.
            let reopened = try Journal(directory: directory)
            var genesis = Rederivation(stateRoots: journal.log.stateRoots)
            try journal.log.read { reader in
                try reader.forEach(from: 1, through: nil) { stored in
                    #expect(genesis.feed(stored.bytes) == nil)
                    return true
                }
            }
            #expect(reopened.ledger.encodeSnapshot() == genesis.ledger.encodeSnapshot())
            // Every snapshot equals the state replayed from genesis up to its seq.
            for seq in snapshots {
                var replay = Rederivation(stateRoots: journal.log.stateRoots)
                try journal.log.read { reader in
                    try reader.forEach(from: 1, through: seq) { replay.feed($0.bytes) == nil }
                }
                let stored = try #require(try journal.log.snapshot(atOrBefore: seq))
                #expect(stored.seq == seq)
                #expect(stored.state == replay.ledger.encodeSnapshot())
            }
        }
    }

    @Test func anAlteredDerivedRecordWithARebuiltChainIsCaughtByRederivation() throws {
        try Self.withJournal { journal, _ in
            let results = try journal.append(try Self.scenarioInputs())
            var records = results.flatMap { $0 }
            let index = try #require(records.firstIndex { $0.kind == .withdrawalRejected })
            guard case .withdrawalRejected(var rejection) = records[index].event else { Issue.record("no match: case .withdrawalRejected(var rejection) = records[index].event"); return }
            rejection.available = rejection.available + Money(units: 1_000)
            records[index].event = .withdrawalRejected(rejection)
            // A forger rewrites the log and rebuilds a perfectly valid hash chain over it.
            try withTemporaryDirectory { forged in
                try EventLog.create(directory: forged, createdTimeMs: 0)
                let log = try EventLog(directory: forged)
                try log.append(records.map { AppendRecord(seq: $0.seq, time: $0.time, bytes: RecordCodec.encode($0)) })
                guard case .ok = try log.verifyChain() else { Issue.record("the forged chain should verify"); return }
                var replay = Rederivation()
                var mismatch: ReplayMismatch?
                try log.read { reader in
                    try reader.forEach(from: 1, through: nil) { stored in
                        mismatch = replay.feed(stored.bytes)
                        return mismatch == nil
                    }
                }
                let found = try #require(mismatch)
                #expect(found.seq == records[index].seq)
                #expect(found.actual == records[index])
                #expect(found.expected?.kind == .withdrawalRejected)
                #expect(found.expected != found.actual)
                #expect(throws: ReplayMismatch.self) { try Journal(directory: forged) }
            }
        }
    }
}
