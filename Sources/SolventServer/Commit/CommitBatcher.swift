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

    /// A fresh append of the group: where its request is in `work`, and whether it named its
    /// time. Its key, event and time are in the group's `inputs` at the same position, moved
    /// there out of the request: copying each event from request to `Fresh` to `JournalInput`
    /// (and destroying every copy) was about a tenth of the committer's time (perf, one
    /// pipelining client).
    private struct Fresh {
        var submission: Int
        var timed: Bool
        /// Later requests of the group with the same key and event (retries; rare): an index
        /// into `Group.repeats`, or -1, so that the usual `Fresh` holds no reference at all.
        var repeats = -1
    }

    /// The fresh appends of one group, in arrival order, and what waits for each.
    private struct Group {
        var work: [Submission]
        var inputs: [JournalInput] = []
        /// The inputs' keys, kept apart for the lookups and answers once the inputs are handed on.
        var keys: [String] = []
        var fresh: [Fresh] = []
        var repeats: [[Int]] = []

        /// A later request is a retry of fresh append `index` only if it repeats it exactly:
        /// the same event, and no explicit time or that one's (its receipt time is not known
        /// yet, so an explicit time cannot be checked against it).
        func isRetry(of index: Int, event: Event, time: TimeMs?) -> Bool {
            inputs[index].event == event && (time == nil || fresh[index].timed && time == inputs[index].time)
        }

        mutating func addRepeat(of index: Int, submission: Int) {
            if fresh[index].repeats < 0 {
                fresh[index].repeats = repeats.count
                repeats.append([])
            }
            repeats[fresh[index].repeats].append(submission)
        }

        /// Every request waiting for fresh append `index`'s answer gets `response`.
        func answer(_ index: Int, _ response: Response, into outbox: inout Outbox) {
            answer(submission: fresh[index].submission, response, into: &outbox)
            guard fresh[index].repeats >= 0 else { return }
            for submission in repeats[fresh[index].repeats] { answer(submission: submission, response, into: &outbox) }
        }

        /// By the request's fields: `work[submission]` as a whole was a copy of the submission.
        func answer(submission: Int, _ response: Response, into outbox: inout Outbox) {
            outbox.add(response, index: work[submission].index, target: work[submission].target)
        }

        /// The fresh append's explicit time, if it named one.
        func explicitTime(_ index: Int) -> TimeMs? { fresh[index].timed ? inputs[index].time : nil }
    }

    /// Commits `work` and answers every request in it; `counted` learns how many inputs were
    /// appended before any answer leaves, so a client that has its answers sees them counted.
    /// Returns the connections answered (the committer's `GroupCommitWindow` expects as many).
    @discardableResult
    func commit(_ work: consuming [Submission], counted: (Int) -> Void = { _ in }) -> Int {
        var outbox = Outbox()
        var group = Group(work: work)
        group.inputs.reserveCapacity(group.work.count)
        group.keys.reserveCapacity(group.work.count)
        group.fresh.reserveCapacity(group.work.count)
        // By bytes, as `requests` holds keys: canonically equivalent strings are two keys.
        var freshIndex: [KeyBytes: Int] = [:]
        freshIndex.reserveCapacity(group.work.count)
        var queries: [Int] = []
        var ticks: [Int] = []
        for position in group.work.indices {
            switch group.work[position].request {
            case .append: break
            case .clockTick:
                ticks.append(position)
                continue
            default:
                queries.append(position)
                continue
            }
            // Moved out: the request is not read again, only its connection and number.
            guard let (key, time, event) = Self.takeAppend(&group.work[position].request) else { continue }
            let count = group.inputs.count
            // One hash per key: the default is stored when the key is new.
            let index = Self.stored(&freshIndex[KeyBytes(key), default: count])
            if index < count {
                if group.isRetry(of: index, event: event, time: time) {
                    group.addRepeat(of: index, submission: position)
                } else {
                    outbox.add(.refused(key: key, Self.reusedInGroup(key)), for: group.work[position])
                }
            } else {
                // The receipt time is stamped once the group's stored keys are answered.
                group.keys.append(key)
                // `consume`: without it the event was copied here and the original destroyed.
                group.inputs.append(JournalInput(time: time ?? 0, event: consume event, key: key))
                group.fresh.append(Fresh(submission: position, timed: time != nil))
            }
        }
        answerStored(&group, into: &outbox)
        // A tick that could derive nothing is skipped: it would only move time (EngineFigures.swift).
        let clock = !ticks.isEmpty && journal.ledger.awaitsTime
        let appended = group.inputs.isEmpty && !clock ? 0 : append(&group, clock: clock, into: &outbox)
        for tick in ticks { outbox.add(.ticked(clock), for: group.work[tick]) }
        for query in queries {
            if case .account(let id, let at?) = group.work[query].request, at < journal.log.lastSeq {
                answerPast(id, at: at, to: group.work[query])
            } else {
                outbox.add(answer(group.work[query].request), for: group.work[query])
            }
        }
        counted(appended)
        outbox.send()
        return outbox.connections
    }

    private static func stored(_ value: inout Int) -> Int { value }

    /// The append's parts, moved out of `request` (left a payload-free `.status`).
    private static func takeAppend(_ request: inout Request) -> (key: String, time: TimeMs?, event: Event)? {
        var taken = Request.status
        swap(&taken, &request)
        guard case .append(let key, let time, let event) = consume taken else { return nil }
        return (key, time, event)
    }

    /// Answers the keys already in the log (a retry: the first append committed earlier) from
    /// one read transaction and leaves the rest in the group (in place: usually none is stored).
    private func answerStored(_ group: inout Group, into outbox: inout Outbox) {
        guard !group.inputs.isEmpty else { return }
        do {
            let stored = try journal.log.read { reader in
                try reader.requestSeqs(group.keys).map { position, seq in
                    (position, try Self.storedAnswer(key: group.keys[position], event: group.inputs[position].event,
                                                     time: group.explicitTime(position), at: seq, reader))
                }
            }
            guard !stored.isEmpty else { return }
            for (position, response) in stored { group.answer(position, response, into: &outbox) }
            // Compacts the rest to the front, in order (`stored` is in position order).
            var kept = 0
            var next = 0
            for position in group.inputs.indices {
                if next < stored.count && stored[next].0 == position {
                    next += 1
                    continue
                }
                if kept != position {
                    group.inputs.swapAt(kept, position)
                    group.keys.swapAt(kept, position)
                    group.fresh.swapAt(kept, position)
                }
                kept += 1
            }
            group.inputs.removeLast(group.inputs.count - kept)
            group.keys.removeLast(group.keys.count - kept)
            group.fresh.removeLast(group.fresh.count - kept)
        } catch {
            let failure = InputError(code: "read_failed", message: "the log could not be read: \(error)")
            for index in group.inputs.indices { group.answer(index, .refused(key: group.keys[index], failure), into: &outbox) }
            group.inputs = []
            group.keys = []
            group.fresh = []
        }
    }

    private static func reusedInGroup(_ key: String) -> InputError {
        InputError(code: "key_reused", field: "key",
                   message: "key \(key) was used by an earlier request in flight for a different event or time; a retry must repeat the request exactly")
    }

    /// A retry gets the first append's answer; a key reused for another event (or another
    /// explicit time) is refused `key_reused`, so a client's bug cannot pass for a retry.
    private static func storedAnswer(key: String, event: Event, time: TimeMs?, at seq: Seq, _ reader: LogReader) throws -> Response {
        guard let stored = try reader.record(seq) else {
            return .refused(key: key, InputError(code: "read_failed", message: "seq \(seq) of key \(key) is missing"))
        }
        let record = try RecordCodec.decode(stored.bytes)
        guard record.event == event, time.map({ $0 == record.time }) ?? true else {
            return .refused(key: key, InputError(
                code: "key_reused", field: "key",
                message: "key \(key) was used at seq \(seq) for a different event; a retry must repeat the request exactly"))
        }
        return .appended(key: key, seq: seq, derived: try derived(after: seq, reader))
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

    private func append(_ group: inout Group, clock: Bool, into outbox: inout Outbox) -> Int {
        stamp(&group)
        // The answers below need only the keys.
        var inputs: [JournalInput] = []
        swap(&inputs, &group.inputs)
        let keys = group.keys
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
            for index in keys.indices { group.answer(index, .refused(key: keys[index], failure), into: &outbox) }
            return 0
        }
        if let observer { report(results, requests: group.work.count, since: started, to: observer) }
        var lastSeq: Seq?
        var appended = 0
        for index in keys.indices {
            switch results[index] {
            case .success(let records):
                // No array for the usual input that derives nothing.
                let derived = records.count == 1 ? [] : records.dropFirst().map { DerivedRef(seq: $0.seq, kind: $0.kind) }
                group.answer(index, .appended(key: keys[index], seq: records[0].seq, derived: derived), into: &outbox)
                lastSeq = records[records.count - 1].seq
                appended += 1
            case .failure(let error):
                group.answer(index, .refused(key: keys[index], error), into: &outbox)
            }
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
            for index in records.indices { byKind[Int(records[index].kind.rawValue)] += 1 }
        }
        let report = CommitReport(requests: requests, recordsByKind: byKind, commitDuration: ContinuousClock.now - started)
        observer.committed(report, ledger: journal.ledger)
    }

    /// Inputs without `time` get the receipt time, never before the log's (or an earlier
    /// input's) time: max(now, last). An explicit earlier time is left for the journal to refuse.
    private func stamp(_ group: inout Group) {
        let now = nowMs()
        var lastMs = journal.log.lastTime
        for index in group.inputs.indices {
            if !group.fresh[index].timed { group.inputs[index].time = max(now, lastMs) }
            lastMs = max(lastMs, group.inputs[index].time)
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
