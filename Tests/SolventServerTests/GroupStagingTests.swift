import Foundation
import SolventCore
import SolventProtocol
import SolventStore
@testable import SolventServer
import Testing

/// One group commit's bookkeeping, without sockets: whatever its place in the group — a key
/// already in the log, a repeat of an earlier request, a key reused for another event or time —
/// each request gets its own answer, and only the fresh keys are appended, once each, in order.
@Suite struct GroupStagingTests {
    private final class Recorder: ReplyTarget, @unchecked Sendable {
        private(set) var answers: [UInt64: Response] = [:]

        func deliver(_ responses: [IndexedResponse]) {
            for answer in responses { answers[answer.index] = answer.response }
        }
    }

    private static func deposit(_ account: String, _ amount: String) throws -> Event {
        var payload = Deposit()
        payload.account = AccountID(valid: account)
        payload.amount = try Money(parsing: amount)
        return .deposit(payload)
    }

    @Test func everyRequestOfAMixedGroupGetsItsOwnAnswer() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let batcher = InlineCommit(journal: journal)
            let first = Recorder(), second = Recorder()
            func append(_ index: UInt64, _ key: String, _ event: Event, time: TimeMs? = nil, to target: Recorder) -> Submission {
                Submission(request: .append(key: key, time: time, event: event), index: index, target: target)
            }
            let old = try Self.deposit("alice", "100"), bob = try Self.deposit("bob", "5"), carol = try Self.deposit("carol", "7")
            batcher.commit([append(0, "old", old, to: first)])
            #expect(first.answers[0] == .appended(key: "old", seq: 1, derived: []))

            // The stored key comes first, so the fresh ones behind it move up (with their repeats).
            let connections = batcher.commit([
                append(1, "old", old, to: first),                    // a retry of the log's seq 1
                append(0, "b", bob, to: second),                     // fresh: seq 2
                append(2, "old", bob, to: first),                    // reused: the log has another event
                append(1, "b", bob, to: second),                     // a repeat of the group's "b"
                append(3, "c", carol, time: 2_000, to: first),       // fresh, timed: seq 3
                append(2, "c", carol, time: 2_000, to: second),      // a repeat, same time
                append(4, "c", carol, to: first),                    // a repeat, no time
                append(3, "b", carol, to: second),                   // reused in the group: another event
                Submission(request: .status, index: 5, target: first),
                append(4, "c", carol, time: 3_000, to: second),      // reused in the group: another time
            ])
            #expect(connections == 2)
            #expect(first.answers[1] == .appended(key: "old", seq: 1, derived: []))
            #expect(Self.code(first.answers[2]) == "key_reused")
            #expect(first.answers[3] == .appended(key: "c", seq: 3, derived: []))
            #expect(first.answers[4] == .appended(key: "c", seq: 3, derived: []))
            #expect(second.answers[0] == .appended(key: "b", seq: 2, derived: []))
            #expect(second.answers[1] == .appended(key: "b", seq: 2, derived: []))
            #expect(second.answers[2] == .appended(key: "c", seq: 3, derived: []))
            #expect(Self.code(second.answers[3]) == "key_reused")
            #expect(Self.code(second.answers[4]) == "key_reused")
            guard case .status(let seq, _, _, _, _)? = first.answers[5] else {
                Issue.record("no status answer: \(String(describing: first.answers[5]))")
                return
            }
            #expect(seq == 3)  // Queries are answered after the group's appends.

            let stored = try journal.log.read { reader in try (1...3).map { try #require(try reader.record($0)) } }
            let records = try stored.map { try RecordCodec.decode($0.bytes) }
            #expect(records.map(\.event) == [old, bob, carol])
            #expect(records.map(\.time) == [1_000, 1_000, 2_000])
            #expect(try journal.log.read { try $0.requestSeqs(["c", "x", "old", "b"]) }.map { [$0.position, Int($0.seq.rawValue)] }
                == [[0, 3], [2, 1], [3, 2]])
        }
    }

    private static func code(_ response: Response?) -> String? {
        guard case .refused(_, let error)? = response else { return nil }
        return error.code
    }
}

/// A group staged and finished on the calling thread, as the writer does with nothing in flight.
private struct InlineCommit {
    let staging: GroupStaging
    let durable: DurableCommit

    init(journal: Journal) {
        staging = GroupStaging(journal: journal, nowMs: { 1_000 })
        durable = DurableCommit(log: journal.log, hub: SubscriptionHub(log: journal.log), observer: nil)
    }

    /// Returns the connections answered.
    @discardableResult
    func commit(_ work: [Submission]) -> Int {
        var staged = staging.stage(staging.prepare(work))
        Committer.finishInline(&staged, staging, durable) { _ in }
        return staged.group.outbox.connections
    }
}
