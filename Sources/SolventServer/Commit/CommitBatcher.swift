import NIOPosix
import SolventCore
import SolventProtocol
import SolventStore

/// One group commit, as plain logic over the journal (no threads): idempotent keys answered from
/// the log, receipt times stamped, every fresh input appended in one transaction with each
/// refusal kept to its own request, the committed records published to subscribers, then every
/// answer handed to its connection.
///
/// In two steps, so the committer can stage one group while the previous one commits
/// (docs/PROTOCOL.md, "Group commit"): `prepare` and `stage` read and change the state, on the
/// committer thread; the staged group's `GroupFinisher` step commits and answers, on any thread.
/// `commit` runs both in turn.
final class CommitBatcher {
    let journal: Journal
    let nowMs: @Sendable () -> TimeMs
    let observer: (any CommitObserver)?
    /// The step that touches no state: commit, answers, publication.
    let finisher: GroupFinisher

    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil) {
        self.journal = journal
        self.nowMs = nowMs
        self.observer = observer
        finisher = GroupFinisher(log: journal.log, hub: hub, observer: observer)
    }

    /// Commits `work` and answers every request in it; `counted` learns how many inputs were
    /// appended before any answer leaves, so a client that has its answers sees them counted.
    /// Returns the connections answered (the committer's `GroupCommitWindow` expects as many).
    @discardableResult
    func commit(_ work: consuming [Submission], counted: (Int) -> Void = { _ in }) -> Int {
        var staged = stage(prepare(work))
        return finishInline(&staged, counted: counted)
    }

    /// Commits `staged` on this thread (nothing else may be staged) and answers it: its appends,
    /// its clock tick, then its queries (which see the group's appends).
    func finishInline(_ staged: inout StagedGroup, counted: (Int) -> Void) -> Int {
        var appended = 0
        if case .failure = finisher.commit(&staged, appended: &appended) { journal.discardStaged() }
        answerTicksAndQueries(&staged.group)
        counted(appended)
        staged.group.outbox.send()
        return staged.group.outbox.connections
    }

    /// Sorts the requests of `work`: each append moved into the group's inputs (a repeat of an
    /// earlier one joins it; a key reused for something else is refused here), queries and
    /// clock ticks noted.
    func prepare(_ work: consuming [Submission]) -> Group {
        var group = Group(work: work)
        group.inputs.reserveCapacity(group.work.count)
        group.keys.reserveCapacity(group.work.count)
        group.fresh.reserveCapacity(group.work.count)
        group.freshIndex.reserveCapacity(group.work.count)
        for position in group.work.indices {
            switch group.work[position].request {
            case .append: break
            case .clockTick:
                group.ticks.append(position)
                continue
            default:
                group.queries.append(position)
                continue
            }
            // Moved out: the request is not read again, only its connection and number.
            guard let (key, time, event) = Self.takeAppend(&group.work[position].request) else { continue }
            let count = group.inputs.count
            // One hash per key: the default is stored when the key is new.
            let index = Self.stored(&group.freshIndex[KeyBytes(key), default: count])
            if index < count {
                if group.isRetry(of: index, event: event, time: time) {
                    group.addRepeat(of: index, submission: position)
                } else {
                    group.outbox.add(.refused(key: key, Self.reusedInGroup(key)), for: group.work[position])
                }
            } else {
                // The receipt time is stamped once the group's stored keys are answered.
                group.keys.append(key)
                // `consume`: without it the event was copied here and the original destroyed.
                group.inputs.append(JournalInput(time: time ?? 0, event: consume event, key: key))
                group.fresh.append(Fresh(submission: position, timed: time != nil))
            }
        }
        return group
    }

    /// Answers the group's stored keys, stamps receipt times and stages the rest in the journal
    /// (the state and its staged head move on; nothing is written): with a `clock` input last
    /// when the group holds a tick and the engine awaits time.
    func stage(_ group: consuming Group) -> StagedGroup {
        answerStored(&group)
        // As before the two stages, the reported commit time starts here, after the lookups.
        let started = ContinuousClock.now
        // A tick that could derive nothing is skipped: it would only move time (EngineFigures.swift).
        let clock = !group.ticks.isEmpty && journal.ledger.awaitsTime
        group.clock = clock
        guard !group.inputs.isEmpty || clock else {
            return StagedGroup(group: consume group, batch: .empty, results: [],
                               stagingDuration: ContinuousClock.now - started)
        }
        stamp(&group)
        // The answers need only the keys.
        var inputs: [JournalInput] = []
        swap(&inputs, &group.inputs)
        if clock {
            // After every input of the group, so that no explicit future time refuses the tick.
            let timeMs = inputs.reduce(max(nowMs(), journal.stagedTime)) { max($0, $1.time) }
            inputs.append(JournalInput(time: timeMs, event: .clock(Clock())))
        }
        // Keys are distinct: repeats were merged into one `Fresh` by `prepare`.
        let (results, batch) = journal.stageAccepted(inputs, distinctKeys: true)
        observer?.staged(ledger: journal.ledger)
        return StagedGroup(group: consume group, batch: batch, results: results, stagingDuration: ContinuousClock.now - started)
    }

    /// Ticks and queries, answered once the group's appends are committed: after a tick its
    /// outcome, after an append the state with it.
    func answerTicksAndQueries(_ group: inout Group) {
        for tick in group.ticks { group.outbox.add(.ticked(group.clock), for: group.work[tick]) }
        for query in group.queries {
            if case .account(let id, let at?) = group.work[query].request, at < journal.log.lastSeq {
                answerPast(id, at: at, to: group.work[query])
            } else {
                group.outbox.add(answer(group.work[query].request), for: group.work[query])
            }
        }
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
    /// A key of a group staged but not yet committed is not in the log: the committer waits for
    /// that group before it stages one that repeats its keys.
    private func answerStored(_ group: inout Group) {
        guard !group.inputs.isEmpty else { return }
        do {
            let stored = try journal.log.read { reader in
                try reader.requestSeqs(group.keys).map { position, seq in
                    (position, try Self.storedAnswer(key: group.keys[position], event: group.inputs[position].event,
                                                     time: group.explicitTime(position), at: seq, reader))
                }
            }
            guard !stored.isEmpty else { return }
            for (position, response) in stored { group.answer(position, response) }
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
            for index in group.inputs.indices { group.answer(index, .refused(key: group.keys[index], failure)) }
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

    /// Inputs without `time` get the receipt time, never before the staged head's (or an
    /// earlier input's) time: max(now, last). An explicit earlier time is left for the journal
    /// to refuse.
    private func stamp(_ group: inout Group) {
        let now = nowMs()
        var lastMs = journal.stagedTime
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
            return .status(seq: head.seq, headHash: head.hash, timeMs: max(nowMs(), head.time), rules: journal.log.rules)
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
