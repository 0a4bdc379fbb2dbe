import NIOPosix
import SolventCore
import SolventStore

/// One group commit, as plain logic over the journal (no threads): idempotent keys answered from
/// the log, receipt times stamped, every fresh input appended in one transaction with each
/// refusal kept to its own request, the committed records published to subscribers, then every
/// answer handed to its connection.
final class CommitBatcher {
    let journal: Journal
    let hub: SubscriptionHub
    let nowMs: @Sendable () -> TimeMs
    let observer: (any CommitObserver)?

    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil) {
        self.journal = journal
        self.hub = hub
        self.nowMs = nowMs
        self.observer = observer
    }

    private struct Fresh {
        var key: String
        var time: TimeMs?
        var event: Event
        /// Who waits for the answer, and any later request in the same batch with the same key
        /// (rare: kept apart so the usual single request costs no array). Not the `Submission`:
        /// its request holds the event a second time, and copying both was a measurable share
        /// of a group commit.
        var first: Waiter
        var repeats: [Waiter] = []

        /// A later request in the same group is a retry only if it repeats this one exactly: the
        /// same event, and no explicit time or this one's (this one's receipt time is not known
        /// yet, so an explicit time cannot be checked against it).
        func isRetry(event other: Event, time otherTime: TimeMs?) -> Bool {
            event == other && (otherTime == nil || otherTime == time)
        }

        func forEachWaiting(_ body: (Waiter) -> Void) {
            body(first)
            for waiter in repeats { body(waiter) }
        }
    }

    /// Commits `work` and answers every request in it; `counted` learns how many inputs were
    /// appended before any answer leaves, so a client that has its answers sees them counted.
    /// Returns the connections answered (the committer's `GroupCommitWindow` expects as many).
    @discardableResult
    func commit(_ work: [Submission], counted: (Int) -> Void = { _ in }) -> Int {
        var outbox = Outbox()
        var fresh: [Fresh] = []
        fresh.reserveCapacity(work.count)
        // By bytes, as `requests` holds keys: canonically equivalent strings are two keys.
        var freshIndex: [KeyBytes: Int] = [:]
        freshIndex.reserveCapacity(work.count)
        var queries: [Submission] = []
        var ticks: [Submission] = []
        for submission in work {
            if case .clockTick = submission.request {
                ticks.append(submission)
                continue
            }
            guard case .append(let key, let time, let event) = submission.request else {
                queries.append(submission)
                continue
            }
            let count = fresh.count
            // One hash per key: the default is stored when the key is new.
            let index = Self.stored(&freshIndex[KeyBytes(key), default: count])
            if index < count {
                if fresh[index].isRetry(event: event, time: time) {
                    fresh[index].repeats.append(Waiter(submission))
                } else {
                    outbox.add(.refused(key: key, Self.reusedInGroup(key)), for: Waiter(submission))
                }
            } else {
                fresh.append(Fresh(key: key, time: time, event: event, first: Waiter(submission)))
            }
        }
        answerStored(&fresh, into: &outbox)
        // A tick that could derive nothing is skipped: it would only move time (EngineFigures.swift).
        let clock = !ticks.isEmpty && journal.ledger.awaitsTime
        let appended = fresh.isEmpty && !clock ? 0 : append(fresh, clock: clock, requests: work.count, into: &outbox)
        for tick in ticks { outbox.add(.ticked(clock), for: tick) }
        for query in queries {
            if case .account(let id, let at?) = query.request, at < journal.log.lastSeq {
                answerPast(id, at: at, to: query)
            } else {
                outbox.add(answer(query.request), for: query)
            }
        }
        counted(appended)
        outbox.send()
        return outbox.connections
    }

    private static func stored(_ value: inout Int) -> Int { value }

    /// Answers the keys already in the log (a retry: the first append committed earlier) from
    /// one read transaction and leaves the rest in `fresh` (in place: usually none is stored).
    private func answerStored(_ fresh: inout [Fresh], into outbox: inout Outbox) {
        do {
            let stored = try journal.log.read { reader in
                var stored: [(position: Int, response: Response)] = []
                for (position, entry) in fresh.enumerated() {
                    guard let seq = try reader.requestSeq(entry.key) else { continue }
                    stored.append((position, try Self.storedAnswer(for: entry, at: seq, reader)))
                }
                return stored
            }
            guard !stored.isEmpty else { return }
            for (position, response) in stored { fresh[position].forEachWaiting { outbox.add(response, for: $0) } }
            // Compacts the rest to the front, in order (`stored` is in position order).
            var kept = 0
            var next = 0
            for position in fresh.indices {
                if next < stored.count && stored[next].position == position {
                    next += 1
                    continue
                }
                if kept != position { fresh.swapAt(kept, position) }
                kept += 1
            }
            fresh.removeLast(fresh.count - kept)
        } catch {
            let failure = InputError(code: "read_failed", message: "the log could not be read: \(error)")
            for entry in fresh { entry.forEachWaiting { outbox.add(.refused(key: entry.key, failure), for: $0) } }
            fresh = []
        }
    }

    private static func reusedInGroup(_ key: String) -> InputError {
        InputError(code: "key_reused", field: "key",
                   message: "key \(key) was used by an earlier request in flight for a different event or time; a retry must repeat the request exactly")
    }

    /// A retry gets the first append's answer; a key reused for another event (or another
    /// explicit time) is refused `key_reused`, so a client's bug cannot pass for a retry.
    private static func storedAnswer(for entry: Fresh, at seq: Seq, _ reader: LogReader) throws -> Response {
        guard let stored = try reader.record(seq) else {
            return .refused(key: entry.key, InputError(code: "read_failed", message: "seq \(seq) of key \(entry.key) is missing"))
        }
        let record = try RecordCodec.decode(stored.bytes)
        guard record.event == entry.event, entry.time.map({ $0 == record.time }) ?? true else {
            return .refused(key: entry.key, InputError(
                code: "key_reused", field: "key",
                message: "key \(entry.key) was used at seq \(seq) for a different event; a retry must repeat the request exactly"))
        }
        return .appended(key: entry.key, seq: seq, derived: try derived(after: seq, reader))
    }

    /// The records the input at `seq` derived: those right after it whose cause is `seq`.
    static func derived(after seq: Seq, _ reader: LogReader) throws -> [DerivedRef] {
        var derived: [DerivedRef] = []
        try reader.forEachBorrowed(from: seq + 1, through: nil) { stored in
            let record = try RecordCodec.decode(stored.bytes)
            guard record.cause == seq else { return false }
            derived.append(DerivedRef(seq: record.seq, kind: record.kind))
            return true
        }
        return derived
    }

    private func append(_ fresh: [Fresh], clock: Bool, requests: Int, into outbox: inout Outbox) -> Int {
        var inputs = stamped(fresh)
        if clock {
            // After every input of the group, so that no explicit future time refuses the tick.
            let timeMs = inputs.reduce(max(nowMs(), journal.log.lastTime)) { max($0, $1.time) }
            inputs.append(JournalInput(time: timeMs, event: .clock(Clock())))
        }
        let results: [Result<[Record], InputError>]
        let started = ContinuousClock.now
        // Keys are distinct: repeats were merged into one `Fresh` above.
        do { results = try journal.appendAccepted(inputs, distinctKeys: true) } catch {
            // A full disk or map is the client's to know (retry later); other failures are internal.
            let code = (error as? StoreError)?.code == "storage_full" ? "storage_full" : "commit_failed"
            let failure = InputError(code: code, message: "the log could not commit: \(error)")
            for entry in fresh { entry.forEachWaiting { outbox.add(.refused(key: entry.key, failure), for: $0) } }
            return 0
        }
        if let observer { report(results, requests: requests, since: started, to: observer) }
        var lastSeq: Seq?
        var appended = 0
        for (entry, result) in zip(fresh, results) {
            let response: Response
            switch result {
            case .success(let records):
                response = .appended(key: entry.key, seq: records[0].seq,
                                     derived: records.dropFirst().map { DerivedRef(seq: $0.seq, kind: $0.kind) })
                lastSeq = records.last?.seq
                appended += 1
            case .failure(let error):
                response = .refused(key: entry.key, error)
            }
            entry.forEachWaiting { outbox.add(response, for: $0) }
        }
        if clock, case .success(let records)? = results.last { lastSeq = records.last?.seq }
        // The records themselves are gathered only if someone subscribes: copying every event of
        // the group into one more array was a cost of every commit, paid for no one.
        if let lastSeq { hub.publish(through: lastSeq) { Self.committedRecords(results) } }
        return appended
    }

    /// Every record the group appended, in seq order: the accepted inputs' (the clock's last).
    private static func committedRecords(_ results: [Result<[Record], InputError>]) -> [Record] {
        var committed: [Record] = []
        committed.reserveCapacity(results.count + results.count / 2)
        for case .success(let records) in results { committed.append(contentsOf: records) }
        return committed
    }

    private func report(_ results: [Result<[Record], InputError>], requests: Int, since started: ContinuousClock.Instant,
                        to observer: any CommitObserver) {
        var byKind = [Int](repeating: 0, count: 256)
        for case .success(let records) in results {
            for record in records { byKind[Int(record.kind.rawValue)] += 1 }
        }
        let report = CommitReport(requests: requests, recordsByKind: byKind, commitDuration: ContinuousClock.now - started)
        observer.committed(report, ledger: journal.ledger)
    }

    /// Inputs without `time` get the receipt time, never before the log's (or an earlier
    /// input's) time: max(now, last). An explicit earlier time is left for the journal to refuse.
    private func stamped(_ fresh: [Fresh]) -> [JournalInput] {
        let now = nowMs()
        var lastMs = journal.log.lastTime
        return fresh.map { entry in
            let time = entry.time ?? max(now, lastMs)
            lastMs = max(lastMs, time)
            return JournalInput(time: time, event: entry.event, key: entry.key)
        }
    }

    /// An account as it was after a past record: the nearest snapshot plus a replay, which can
    /// take a while, so it runs in its own read transaction on NIO's blocking pool, not on the
    /// committer's thread; the answer goes straight to the connection, which keeps it in request
    /// order. (The records up to `at` are committed and never change, so the answer is the same
    /// whenever it is computed.)
    private func answerPast(_ id: AccountID, at seq: Seq, to query: Submission) {
        let log = journal.log
        let target = query.target
        let index = query.index
        NIOThreadPool.singleton.submit { state in
            let response: Response
            if case .cancelled = state {
                response = .refused(key: nil, InputError(code: "shutting_down", message: "the server is shutting down"))
            } else {
                response = Self.pastAccount(id, at: seq, log)
            }
            target.deliver([IndexedResponse(index: index, response: response)])
        }
    }

    private static func pastAccount(_ id: AccountID, at seq: Seq, _ log: EventLog) -> Response {
        let ledger: Ledger
        do { ledger = try log.ledger(at: seq) } catch {
            return .refused(key: nil, InputError(code: "read_failed", message: "the state at seq \(seq) could not be rebuilt: \(error)"))
        }
        guard let view = ledger.account(id) else {
            return .refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                 message: "account \(id) does not appear in the log up to seq \(seq)"))
        }
        return .account(view)
    }

    private func answer(_ query: Request) -> Response {
        switch query {
        case .status:
            let head = journal.log.head
            return .status(seq: head.seq, headHash: head.hash, timeMs: max(nowMs(), head.time))
        case .account(let id, _):  // `at` at or past the head: the state now.
            guard let view = journal.ledger.account(id) else {
                return .refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                     message: "account \(id) does not appear in the log"))
            }
            return .account(view)
        case .append, .clockTick, .subscribe:
            preconditionFailure("appends and ticks are committed and subscriptions served by the hub, not answered as queries")
        }
    }
}

/// A request's connection and number: where its answer goes.
private struct Waiter {
    var index: UInt64
    var target: any ReplyTarget

    init(_ submission: Submission) {
        index = submission.index
        target = submission.target
    }
}

extension Outbox {
    fileprivate mutating func add(_ response: Response, for waiter: Waiter) {
        add(response, index: waiter.index, target: waiter.target)
    }
}
