import Foundation
import SolventCore
import SolventProtocol
import SolventStore
@testable import SolventServer
import Testing

/// The committer's two stages against a real LMDB log, without sockets: a group staged while the
/// one before it commits on the durable stage, and what must still hold then — no answer before
/// its group's commit, a failed commit taking the group staged behind it along, a retry of a key
/// in flight answered from the log, queries after their group, and `stop` draining all of it.
/// Groups are made small (`maxGroupRequests`) so that work is queued behind each, and the
/// durable stage's commit of the first group is held by a hook until the test has seen what it
/// looks for.
@Suite struct TwoStageCommitTests {
    /// Everything that happened, in order, from every thread.
    private final class Timeline: @unchecked Sendable {
        enum Entry: Equatable {
            case staged
            case committed(lastSeq: Seq?)
            case delivered(target: String, index: UInt64)
        }

        private let lock = NSCondition()
        private var entries: [Entry] = []
        private var answers: [String: [UInt64: Response]] = [:]

        func add(_ entry: Entry, response: Response? = nil) {
            lock.lock()
            entries.append(entry)
            if case .delivered(let target, let index) = entry, let response { answers[target, default: [:]][index] = response }
            lock.broadcast()
            lock.unlock()
        }

        var all: [Entry] { lock.withLock { entries } }
        var stagedCount: Int { lock.withLock { entries.count { $0 == .staged } } }
        func answers(_ target: String) -> [UInt64: Response] { lock.withLock { answers[target] ?? [:] } }

        /// Waits (at most `seconds`) until `condition` holds over the entries; false on timeout.
        func wait(seconds: Double, until condition: ([Entry]) -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            lock.lock()
            defer { lock.unlock() }
            while !condition(entries) {
                if !lock.wait(until: deadline) { return condition(entries) }
            }
            return true
        }

        /// The position of the first entry matching `match`.
        func position(_ match: (Entry) -> Bool) -> Int? { all.firstIndex(where: match) }
    }

    private struct Observer: CommitObserver {
        let timeline: Timeline
        func staged(ledger: borrowing Ledger) { timeline.add(.staged) }
        func committed(_ report: CommitReport) { timeline.add(.committed(lastSeq: report.lastSeq)) }
    }

    private final class Target: ReplyTarget, @unchecked Sendable {
        let name: String
        let timeline: Timeline
        init(_ name: String, _ timeline: Timeline) {
            self.name = name
            self.timeline = timeline
        }

        func deliver(_ responses: [IndexedResponse]) {
            for answer in responses { timeline.add(.delivered(target: name, index: answer.index), response: answer.response) }
        }
    }

    /// Holds the durable stage's first commit until the committer has staged a second group or
    /// `seconds` have passed; records whether the second group was staged in time.
    private final class HoldFirstCommit: @unchecked Sendable {
        let timeline: Timeline
        let seconds: Double
        private let lock = NSLock()
        private var calls = 0
        private(set) var overlapped: Bool?

        init(_ timeline: Timeline, seconds: Double) {
            self.timeline = timeline
            self.seconds = seconds
        }

        func hook() {
            let first = lock.withLock {
                calls += 1
                return calls == 1
            }
            guard first else { return }
            let seen = timeline.wait(seconds: seconds) { entries in entries.count { $0 == .staged } >= 2 }
            lock.withLock { overlapped = seen }
        }
    }

    private static func deposit(_ account: String, _ amount: String, ref: String? = nil) -> Event {
        var payload = Deposit()
        payload.account = AccountID(valid: account)
        payload.amount = try! Money(parsing: amount)
        payload.ref = ref.map { Identifier(valid: $0) }
        return .deposit(payload)
    }

    private static func append(_ index: UInt64, _ key: String, _ event: Event, to target: Target) -> Submission {
        Submission(request: .append(key: key, time: nil, event: event), index: index, target: target)
    }

    /// Four deposits by `first` (keys k0–k3) in a group whose commit is held 0.3 s — long
    /// enough for a committer that did not wait for it to stage the next group meanwhile — and
    /// three requests by `second` submitted behind them; returns once all seven are answered.
    private static func behindHeldGroup(_ journal: Journal, first: String, second: String,
                                        _ requests: (Target) -> [Submission]) -> (Timeline, HoldFirstCommit) {
        let timeline = Timeline()
        let hold = HoldFirstCommit(timeline, seconds: 0.3)
        let committer = committer(journal, timeline, maxGroupRequests: 4, hold: hold)
        let held = Target(first, timeline)
        #expect(committer.submit((0..<4).map { append(UInt64($0), "k\($0)", deposit("alice", "1", ref: "r\($0)"), to: held) }))
        #expect(committer.submit(requests(Target(second, timeline))))
        committer.start()
        #expect(timeline.wait(seconds: 10) { $0.count { if case .delivered = $0 { true } else { false } } == 7 })
        committer.stop()
        return (timeline, hold)
    }

    private static func committer(_ journal: Journal, _ timeline: Timeline, maxGroupRequests: Int,
                                  pipelineRequests: Int = HandOff.pipelineRequestsDefault, hold: HoldFirstCommit? = nil) -> Committer {
        var hook: (@Sendable () -> Void)?
        if let hold { hook = { hold.hook() } }
        let observer: any CommitObserver = Observer(timeline: timeline)
        let nowMs: @Sendable () -> TimeMs = { 1_000 }
        return Committer(journal: journal, hub: SubscriptionHub(log: journal.log), nowMs: nowMs, observer: observer,
                         window: GroupCommitWindow(delayUs: 0),
                         handOff: HandOff(maxGroupRequests: maxGroupRequests, pipelineRequests: pipelineRequests),
                         beforeDurableCommit: hook)
    }

    @Test func aGroupStagedWhileTheOneBeforeCommitsIsAnsweredOnlyAfterItsOwnCommit() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let timeline = Timeline()
            let hold = HoldFirstCommit(timeline, seconds: 10)
            let committer = Self.committer(journal, timeline, maxGroupRequests: 4, hold: hold)
            let client = Target("a", timeline)
            // Queued before the committer starts: two groups of 4, the second behind the first.
            #expect(committer.submit((0..<8).map { Self.append(UInt64($0), "k\($0)", Self.deposit("alice", "1", ref: "r\($0)"), to: client) }))
            committer.start()
            #expect(timeline.wait(seconds: 10) { $0.count { if case .delivered = $0 { true } else { false } } == 8 })
            committer.stop()

            #expect(hold.overlapped == true, "the second group was not staged while the first one's commit was held")
            let entries = timeline.all
            let firstCommit = try #require(entries.firstIndex(of: .committed(lastSeq: 4)))
            let secondCommit = try #require(entries.firstIndex(of: .committed(lastSeq: 8)))
            for index in 0..<8 {
                let delivered = try #require(entries.firstIndex(of: .delivered(target: "a", index: UInt64(index))))
                #expect(delivered > (index < 4 ? firstCommit : secondCommit), "answer \(index) before its group's commit: \(entries)")
            }
            // Both groups were staged before either committed; the second committed after the
            // first was answered (depth one).
            #expect(entries.prefix(2) == [.staged, .staged])
            let lastFirstAnswer = try #require(entries.firstIndex(of: .delivered(target: "a", index: 3)))
            #expect(secondCommit > lastFirstAnswer)
            for index in 0..<8 {
                #expect(timeline.answers("a")[UInt64(index)] == .appended(key: "k\(index)", seq: Seq(UInt64(index + 1)), derived: []))
            }
            #expect(committer.commitCounts == CommitCounts(batches: 2, inputs: 8))
            #expect(journal.log.lastSeq == 8)
        }
    }

    /// A real full map (an LMDB map cap): the first group cannot commit, and the second, staged
    /// on top of it meanwhile, is refused the same way; the state afterwards is what a fresh
    /// load of the log gives, and the next group appends right after the log's head.
    @Test func aFailedCommitRefusesTheGroupStagedBehindItAndRebuildsTheState() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 256 << 10)
            let journal = try Journal(directory: directory, maxMapSizeBytes: 512 << 10)
            let before = try journal.appendAccepted((0..<10).map {
                JournalInput(time: 500, event: Self.deposit("acct-\($0)", "10"), key: "setup-\($0)")
            })
            #expect(before.allSatisfy { if case .success = $0 { true } else { false } })
            let timeline = Timeline()
            let hold = HoldFirstCommit(timeline, seconds: 10)
            let large = 4_000
            // The fills in one group (not taken by halves), the two requests behind in the next.
            let committer = Self.committer(journal, timeline, maxGroupRequests: large, pipelineRequests: large, hold: hold)
            let filler = Target("fill", timeline), behind = Target("behind", timeline), after = Target("after", timeline)
            let padding = String(repeating: "p", count: 40)
            #expect(committer.submit((0..<large).map {
                Self.append(UInt64($0), "fill-\($0)-\(padding)", Self.deposit("fill-\($0)-\(padding)", "1", ref: "ref-\($0)-\(padding)"), to: filler)
            }))
            // Behind it: a fresh deposit, and one to an account of the setup (whose balance must
            // come back without the refused deposit).
            #expect(committer.submit([Self.append(0, "b0", Self.deposit("acct-0", "5"), to: behind),
                                      Self.append(1, "b1", Self.deposit("new", "5"), to: behind)]))
            committer.start()
            #expect(timeline.wait(seconds: 30) { $0.count { if case .delivered = $0 { true } else { false } } == large + 2 })
            #expect(hold.overlapped == true, "the second group was not staged while the first one's commit was held")
            #expect(timeline.all.contains { if case .committed = $0 { true } else { false } } == false)
            for (index, response) in timeline.answers("fill") { #expect(Self.code(response) == "storage_full", "fill \(index): \(response)") }
            #expect(timeline.answers("fill").count == large)
            #expect(timeline.answers("behind").values.map(Self.code) == ["storage_full", "storage_full"])
            #expect(journal.log.lastSeq == 10)

            // The next group appends after the log's head, not after what was staged and refused.
            #expect(committer.submit([Self.append(0, "c0", Self.deposit("acct-1", "3"), to: after)]))
            #expect(timeline.wait(seconds: 10) { $0.contains(.delivered(target: "after", index: 0)) })
            #expect(timeline.answers("after")[0] == .appended(key: "c0", seq: 11, derived: []))
            committer.stop()

            #expect(journal.stagedSeq == 11)
            let reloaded = try journal.log.ledger(at: journal.log.lastSeq)
            #expect(journal.ledger.encodeSnapshot() == reloaded.encodeSnapshot())
            #expect(journal.ledger.account(AccountID(valid: "acct-0"))?.cash == reloaded.account(AccountID(valid: "acct-0"))?.cash)
            #expect(journal.ledger.account(AccountID(valid: "new")) == nil)
            #expect(try journal.seq(forKey: "b0") == nil && journal.seq(forKey: "fill-0-\(padding)") == nil)
            #expect(try journal.log.verifyChain() == .ok(count: 11, head: journal.log.headHash))
        }
    }

    /// A retry over another connection of a key whose group is still committing: it must not be
    /// staged fresh (its commit would fail on the key and sink its whole group); it waits for
    /// that commit and gets the first append's answer from the log.
    @Test func aRetryOfAKeyInFlightGetsTheFirstAppendsAnswer() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let (timeline, hold) = Self.behindHeldGroup(journal, first: "first", second: "retry") { retry in [
                Self.append(0, "k2", Self.deposit("alice", "1", ref: "r2"), to: retry),   // the same request again
                Self.append(1, "k4", Self.deposit("bob", "2"), to: retry),                // fresh
                Self.append(2, "k3", Self.deposit("bob", "9"), to: retry),                // the key, another event
            ] }

            #expect(hold.overlapped == false, "the retry's group was staged while its key was in flight")
            let answers = timeline.answers("retry")
            #expect(answers[0] == .appended(key: "k2", seq: 3, derived: []))
            #expect(answers[0] == timeline.answers("first")[2])
            #expect(answers[1] == .appended(key: "k4", seq: 5, derived: []))
            #expect(Self.code(answers[2]) == "key_reused")
            #expect(journal.log.lastSeq == 5)
            #expect(try journal.seq(forKey: "k2") == 3)
        }
    }

    /// Queries behind a group in flight wait for it, and see their own group's appends.
    @Test func queriesAreAnsweredAfterEveryGroupBeforeThemAndTheirOwn() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let (timeline, hold) = Self.behindHeldGroup(journal, first: "writer", second: "reader") { reader in [
                Self.append(0, "k4", Self.deposit("alice", "7"), to: reader),
                Submission(request: .status, index: 1, target: reader),
                Submission(request: .account(AccountID(valid: "alice"), at: nil), index: 2, target: reader),
            ] }

            #expect(hold.overlapped == false, "a group with queries was staged while the one before it was in flight")
            let answers = timeline.answers("reader")
            #expect(answers[0] == .appended(key: "k4", seq: 5, derived: []))
            guard case .status(let seq, let hash, _, _, _)? = answers[1] else {
                Issue.record("no status answer: \(String(describing: answers[1]))")
                return
            }
            #expect(seq == 5)
            #expect(hash == journal.log.headHash)
            guard case .account(let view)? = answers[2] else {
                Issue.record("no account answer: \(String(describing: answers[2]))")
                return
            }
            #expect(view.seq == 5)
            #expect(view.cash == (try Money(parsing: "11")))
            let entries = timeline.all
            let firstCommit = try #require(entries.firstIndex(of: .committed(lastSeq: 4)))
            for index in 0..<3 {
                #expect(try #require(entries.firstIndex(of: .delivered(target: "reader", index: UInt64(index)))) > firstCommit)
            }
        }
    }

    /// One pipelining client's window of 1,024 is never taken whole: halves of 512 take turns
    /// staging and committing, whether or not a group is committing when it arrives; a long
    /// queue of many clients is halved; the 64 one-request clients' groups stay whole.
    @Test func aLongQueueIsTakenByHalvesOfAtLeast512() {
        let rule = HandOff()
        #expect(rule.groupLimit(queued: 1_024, inFlight: false) == 512)
        #expect(rule.groupLimit(queued: 1_024, inFlight: true) == 512)
        #expect(rule.groupLimit(queued: 700, inFlight: false) == 350)
        #expect(rule.groupLimit(queued: 700, inFlight: true) == 512)
        #expect(rule.groupLimit(queued: 8_192, inFlight: true) == 4_096)
        #expect(rule.groupLimit(queued: 64, inFlight: false) == HandOff.maxGroupRequestsDefault)
        #expect(HandOff(maxGroupRequests: 1_000).groupLimit(queued: 8_192, inFlight: true) == 1_000)
    }

    /// A large group is handed over without asking what is queued; a small one only when work
    /// is queued behind it that the writer would take at once.
    @Test func theHandOffDecision() {
        let rule = HandOff()
        var asked = false
        #expect(rule.handsOver(inputs: 256) { asked = true; return (false, false) })
        #expect(!asked)
        #expect(rule.handsOver(inputs: 1) { (true, true) })
        #expect(!rule.handsOver(inputs: 1) { (true, false) })
        #expect(!rule.handsOver(inputs: 1) { (false, true) })
    }

    /// `stop` right after work was queued: every request is committed and answered, by both
    /// stages, before it returns.
    @Test func stopCommitsAndAnswersEverythingQueuedBeforeReturning() async throws {
        try await withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let timeline = Timeline()
            let committer = Self.committer(journal, timeline, maxGroupRequests: 16)
            let targets = (0..<3).map { Target("t\($0)", timeline) }
            committer.start()
            var sent = [0, 0, 0]
            for round in 0..<20 {
                let target = round % 3
                let work = (0..<10).map { offset in
                    let number = round * 10 + offset
                    return Self.append(UInt64(sent[target] + offset), "k\(number)", Self.deposit("a\(number % 7)", "1", ref: "r\(number)"), to: targets[target])
                }
                sent[target] += 10
                #expect(committer.submit(work))
            }
            committer.stop()
            #expect(!committer.submit([Self.append(0, "late", Self.deposit("a", "1"), to: targets[0])]))

            // No waiting: everything is answered when `stop` returns.
            var seqs: [Seq] = []
            for (target, count) in zip(targets, sent) {
                let answers = timeline.answers(target.name)
                #expect(answers.count == count)
                for case .appended(_, let seq, _) in answers.values { seqs.append(seq) }
            }
            #expect(seqs.sorted() == Array(1...200))
            #expect(committer.commitCounts.inputs == 200)
            #expect(journal.log.lastSeq == 200)
            #expect(try journal.log.verifyChain() == .ok(count: 200, head: journal.log.headHash))
        }
    }

    /// Staging in overlapped groups changes no stored byte: the same inputs committed in groups
    /// of 7 through both stages and in one `appendAccepted` give the same chain.
    @Test func overlappedGroupsStoreTheSameBytesAsOneBatch() async throws {
        try await withTemporaryDirectory { directory in
            let inputs = (0..<120).map { number in (key: "k\(number)", event: Self.deposit("a\(number % 9)", "\(number + 1)", ref: "r\(number)")) }
            let grouped = directory + "/grouped", single = directory + "/single"
            try EventLog.create(directory: grouped, createdTimeMs: 0, snapshotEvery: 16)
            try EventLog.create(directory: single, createdTimeMs: 0, snapshotEvery: 16)
            let journal = try Journal(directory: grouped)
            let timeline = Timeline()
            let committer = Self.committer(journal, timeline, maxGroupRequests: 7)
            let client = Target("a", timeline)
            #expect(committer.submit(inputs.enumerated().map { Self.append(UInt64($0.offset), $0.element.key, $0.element.event, to: client) }))
            committer.start()
            #expect(timeline.wait(seconds: 10) { $0.count { if case .delivered = $0 { true } else { false } } == inputs.count })
            committer.stop()

            let reference = try Journal(directory: single)
            _ = try reference.appendAccepted(inputs.map { JournalInput(time: 1_000, event: $0.event, key: $0.key) })
            #expect(journal.log.lastSeq == reference.log.lastSeq)
            #expect(journal.log.headHash == reference.log.headHash)
            #expect(try journal.log.snapshotSeqs().isEmpty == false)
            // Every snapshot the groups wrote is the state the reference reaches at that seq.
            for seq in try journal.log.snapshotSeqs() {
                let snapshot = try #require(try journal.log.snapshot(atOrBefore: seq))
                #expect(snapshot.state == (try reference.log.ledger(at: seq).encodeSnapshot()), "snapshot at \(seq)")
            }
        }
    }

    private static func code(_ response: Response?) -> String? {
        guard case .refused(_, let error)? = response else { return nil }
        return error.code
    }
}
