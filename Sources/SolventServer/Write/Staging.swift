import SolventCore
import SolventProtocol
import SolventStore

/// Staging, on the writer thread (`Committer`), the only code that reads and changes the margin
/// state: a group's requests sorted (`prepare`: appends moved into inputs, repeats of a key
/// joined, queries and ticks noted), the keys already in the log answered from it, receipt times
/// stamped, and every fresh input checked, applied and encoded into a `StagedGroup` by the
/// journal (`stage`). Nothing is written here: the group's `DurableCommit` does that, inline or
/// on the durable stage, and the group's tick and queries are answered after it (Queries.swift).
final class GroupStaging {
    let journal: Journal
    let nowMs: @Sendable () -> TimeMs
    let observer: (any CommitObserver)?
    /// What `status` says of the node's role in a cluster.
    let clusterRole: ClusterRole?

    init(journal: Journal, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil, clusterRole: ClusterRole? = nil) {
        self.clusterRole = clusterRole
        self.journal = journal
        self.nowMs = nowMs
        self.observer = observer
    }

    /// Sorts the requests of `work`: each append moved into the group's inputs (a repeat of an
    /// earlier one joins it; a key reused for something else is refused here), queries and
    /// clock ticks noted.
    func prepare(_ work: consuming [Submission]) -> Group {
        // `consume`: a copy of `work` left here made the first move out of `group.work` copy
        // the whole array.
        var group = Group(work: consume work)
        // By events, not requests: a batch's events are inputs each.
        let events = group.work.reduce(0) { $0 + $1.events }
        group.inputs.reserveCapacity(events)
        group.keys.reserveCapacity(events)
        group.fresh.reserveCapacity(events)
        group.freshIndex.reserveCapacity(group.work.count)
        for position in group.work.indices {
            switch group.work[position].request.staging {
            case .append: break
            case .appendBatch:
                // In place: the events are moved out of the batch, whose array must be unique.
                var (key, items) = group.work[position].request.takeBatch()
                group.addBatch(key: key, items: &items, at: position)
                continue
            case .clockTick:
                group.ticks.append(position)
                continue
            default:
                group.queries.append(position)
                continue
            }
            // Moved out: the request is not read again, only its connection and number.
            let (key, time, event) = group.work[position].request.takeAppend()
            let count = group.inputs.count
            // One hash per key: the default is stored when the key is new.
            let index = Self.stored(&group.freshIndex[KeyBytes(key), default: count])
            if index < count {
                if group.fresh[index].batch >= 0 {
                    group.outbox.add(.refused(key: key, Group.keyInFlight(key)), for: group.work[position])
                } else if group.isRetry(of: index, event: event, time: time) {
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
            return StagedGroup(group: consume group, batch: .empty, results: [], batchReplies: [],
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
        // `consume`: a copy left here made the journal's moves copy the whole array first.
        var (results, batch) = journal.stageAcceptedRanges(consume inputs, distinctKeys: true)
        observer?.staged(ledger: journal.ledger)
        let batchReplies = group.batches.isEmpty ? [] : group.batchReplies(results, records: batch.records)
        if !batchReplies.isEmpty { batch.receipts = Group.receipts(batchReplies) }
        return StagedGroup(group: consume group, batch: batch, results: results, batchReplies: batchReplies,
                           stagingDuration: ContinuousClock.now - started)
    }

    private static func stored(_ value: inout Int) -> Int { value }

    /// Answers the keys already in the log (a retry: the first append committed earlier) from
    /// one read transaction and leaves the rest in the group (in place: usually none is stored).
    /// A key of a group staged but not yet committed is not in the log: the committer waits for
    /// that group before it stages one that repeats its keys.
    private func answerStored(_ group: inout Group) {
        guard !group.inputs.isEmpty else { return }
        do {
            // A batch's events share its key and come together: one lookup per batch (its
            // first event), not one per event.
            let lookups = group.fresh.indices.filter { group.startsKey($0) }
            let answered = try journal.log.read { reader in
                try reader.requestSeqs(lookups.map { group.keys[$0] }).map { found, seq in
                    let position = lookups[found]
                    let batch = group.fresh[position].batch
                    guard batch < 0 else { return (position, try Self.storedBatchAnswer(Int(batch), of: group, at: seq, reader)) }
                    return (position, try Self.storedAnswer(key: group.keys[position], event: group.inputs[position].event,
                                                            time: group.explicitTime(position), at: seq, reader))
                }
            }
            guard !answered.isEmpty else { return }
            for (position, response) in answered { group.answer(position, response) }
            // Every event of an answered batch leaves the group with it, in position order.
            let stored = answered.flatMap { position, _ in
                position..<(group.fresh[position].batch < 0 ? position + 1 : group.endOfBatch(from: position))
            }
            // Compacts the rest to the front, in order (`stored` is in position order).
            var kept = 0
            var next = 0
            for position in group.inputs.indices {
                if next < stored.count && stored[next] == position {
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
        guard try reader.receipt(key) == nil else {
            return .refused(key: key, InputError(code: "key_reused", field: "key",
                                                 message: "key \(key) was used at seq \(seq) for a batch; a retry must repeat the request exactly"))
        }
        let record = try RecordCodec.decode(stored.bytes)
        guard record.event == event, time.map({ $0 == record.time }) ?? true else {
            return .refused(key: key, InputError(
                code: "key_reused", field: "key",
                message: "key \(key) was used at seq \(seq) for a different event; a retry must repeat the request exactly"))
        }
        return .appended(key: key, seq: seq, derived: try derived(after: seq, reader))
    }

    /// A batch's retry gets the first reply, read from the receipt stored with its key; one that
    /// does not repeat the batch (another count of events, another event where one was
    /// appended) is refused `key_reused`.
    private static func storedBatchAnswer(_ batch: Int, of group: Group, at seq: Seq, _ reader: LogReader) throws -> Response {
        let key = group.batches[batch].key
        func reused(_ why: String) -> Response {
            .refused(key: key, InputError(code: "key_reused", field: "key",
                                          message: "key \(key) was used at seq \(seq) for \(why); a retry must repeat the request exactly"))
        }
        guard let receipt = try reader.receipt(key) else { return reused("a single append") }
        let results = try BatchReceipt.decode(receipt)
        let slots = group.batches[batch].slots
        guard results.count == slots.count else { return reused("a batch of \(results.count) events") }
        var inputs = group.fresh.indices.lazy.filter { group.fresh[$0].batch == Int32(batch) }.makeIterator()
        for (result, slot) in zip(results, slots) {
            let position: Int? = if case .input = slot { inputs.next() } else { nil }
            guard case .appended(let appendedSeq, _) = result else { continue }
            guard let position, let stored = try reader.record(appendedSeq) else { return reused("another batch") }
            let record = try RecordCodec.decode(stored.bytes)
            guard record.event == group.inputs[position].event, group.explicitTime(position).map({ $0 == record.time }) ?? true
            else { return reused("another batch") }
        }
        return .batchAppended(key: key, results: results)
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
}
