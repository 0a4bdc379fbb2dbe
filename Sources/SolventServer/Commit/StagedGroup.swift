import SolventCore
import SolventProtocol
import SolventStore

/// A group staged on the committer thread (`CommitBatcher.stage`), waiting for its commit:
/// everything the commit and the answers need, and nothing of the state.
struct StagedGroup: Sendable {
    var group: Group
    /// The records to commit, with the snapshot the state called for.
    var batch: StagedBatch
    /// Per input of the batch (the group's fresh appends, then its `clock` if any): its records
    /// or its refusal.
    var results: [Result<[Record], InputError>]
    var stagingDuration: Duration

    /// Every fresh append of the group refused with `failure` (its commit, or the commit of the
    /// group staged before it, failed: nothing of it was appended).
    mutating func refuseFresh(_ failure: InputError) {
        for index in group.keys.indices { group.answer(index, .refused(key: group.keys[index], failure)) }
    }

    /// Answers each fresh append from its committed records; returns how many were appended
    /// and the last seq the group appended.
    mutating func answerCommitted() -> (appended: Int, lastSeq: Seq?) {
        var lastSeq: Seq?
        var appended = 0
        for index in group.keys.indices {
            switch results[index] {
            case .success(let records):
                // No array for the usual input that derives nothing.
                let derived = records.count == 1 ? [] : records.dropFirst().map { DerivedRef(seq: $0.seq, kind: $0.kind) }
                group.answer(index, .appended(key: group.keys[index], seq: records[0].seq, derived: derived))
                lastSeq = records[records.count - 1].seq
                appended += 1
            case .failure(let error):
                group.answer(index, .refused(key: group.keys[index], error))
            }
        }
        if group.clock, case .success(let records)? = results.last { lastSeq = records.last?.seq }
        return (appended, lastSeq)
    }

    /// Every record the group appended, in seq order: the accepted inputs' (the clock's last).
    func committedRecords() -> [Record] {
        var committed: [Record] = []
        committed.reserveCapacity(results.count + results.count / 2)
        for case .success(let records) in results { committed.append(contentsOf: records) }
        return committed
    }

    /// What the metrics observer is told of the committed group.
    func report(commitDuration: Duration) -> CommitReport {
        var byKind = [Int](repeating: 0, count: 256)
        for case .success(let records) in results {
            for index in records.indices { byKind[Int(records[index].kind.rawValue)] += 1 }
        }
        return CommitReport(requests: group.work.count, recordsByKind: byKind, commitDuration: commitDuration,
                            lastSeq: batch.lastSeq)
    }
}

/// A group commit's second step, which reads no state and so may run on another thread than
/// the staging: the write transaction with its fsync, then the answers and the publication to
/// subscribers. Groups must go through it one at a time, in the order they were staged.
struct GroupFinisher: Sendable {
    let log: EventLog
    let hub: SubscriptionHub
    let observer: (any CommitObserver)?

    /// Commits `staged` and gathers its answers in its outbox (not sent): on success, the
    /// observer is told and the records published; on failure every fresh append is refused
    /// and the failure returned — the caller must then discard the journal's staged state.
    /// `appended` is set to the inputs appended.
    func commit(_ staged: inout StagedGroup, appended: inout Int) -> Result<Void, InputError> {
        guard !staged.results.isEmpty else { return .success(()) }
        let committing = ContinuousClock.now
        // TEST ONLY (`TestOnlyAckBeforeFsync`): the answers leave before the commit, as if it had
        // succeeded; they are dropped after it, so no request is answered twice.
        let ackedEarly = TestOnlyAckBeforeFsync.isEnabled
        if ackedEarly {
            _ = staged.answerCommitted()
            staged.group.outbox.send()
            staged.group.outbox = Outbox()
        }
        // Hashed on this thread: the committer is staging the next group on the other core, and
        // a hashing thread of its own only made this one spin (docs/INGEST.md, 2026-11-26 late).
        do { try staged.batch.commit(to: log, parallelHashing: false) } catch {
            // A full disk or map is the client's to know (retry later); other failures are internal.
            let code = (error as? StoreError)?.code == "storage_full" ? "storage_full" : "commit_failed"
            let failure = InputError(code: code, message: "the log could not commit: \(error)")
            staged.refuseFresh(failure)
            if ackedEarly { staged.group.outbox = Outbox() }  // acknowledged already (TEST ONLY)
            return .failure(failure)
        }
        // Staging and commit, not the wait between them.
        let duration = staged.stagingDuration + (ContinuousClock.now - committing)
        if let observer { observer.committed(staged.report(commitDuration: duration)) }
        let (count, lastSeq) = staged.answerCommitted()
        if ackedEarly { staged.group.outbox = Outbox() }
        appended = count
        // The records themselves are gathered only if someone subscribes: copying every event of
        // the group into one more array was a cost of every commit, paid for no one.
        if let lastSeq { hub.publish(through: lastSeq) { staged.committedRecords() } }
        return .success(())
    }
}
