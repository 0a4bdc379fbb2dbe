import SolventCore
import SolventProtocol
import SolventStore

/// The durable commit of a staged group, which reads no state and so may run on another thread
/// than the staging: the write transaction with its fsync, then the answers and the publication
/// to subscribers. Groups must go through it one at a time, in the order they were staged:
/// inline on the writer thread (`Committer`), or on the durable stage's (`DurableStage`), both
/// through `finish`.
struct DurableCommit: Sendable {
    let log: EventLog
    let hub: SubscriptionHub
    let observer: (any CommitObserver)?
    /// Semi-synchronous acks: waited for after the fsync, before the answers leave.
    var replicationGate: (any ReplicationGate)? = nil

    /// The one finish routine of a staged group, on whichever thread commits it: commit, then
    /// `afterCommit` (the writer's: discard the staged state on failure, answer the group's tick
    /// and queries, which see its appends), count the inputs appended before any answer leaves
    /// (a client that has its answer sees it counted), send every answer, and prepare the next
    /// commit's fold while no one waits. Returns the commit's failure, if any.
    func finish(_ staged: inout StagedGroup, counted: (Int) -> Void,
                afterCommit: (inout Group, InputError?) -> Void = { _, _ in }) -> InputError? {
        var appended = 0
        let failure: InputError? = if case .failure(let error) = commit(&staged, appended: &appended) { error } else { nil }
        afterCommit(&staged.group, failure)
        counted(appended)
        staged.group.outbox.send()
        // The replies are out: what the next commit would otherwise do first, now.
        log.prepareFold()
        return failure
    }

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
        // With semi-synchronous acks nothing is answered or published before the standbys hold
        // the group; a fenced leader answers its appends `not_leader` (durable here, but not
        // acknowledged: the node steps down and drops them, and the clients retry on the leader).
        if let replicationGate, let lastSeq = staged.batch.lastSeq, let fenced = replicationGate.waitReplicated(through: lastSeq) {
            staged.refuseFresh(fenced)
            return .failure(fenced)
        }
        let (count, lastSeq) = staged.answerCommitted()
        if ackedEarly { staged.group.outbox = Outbox() }
        appended = count
        // The records themselves are gathered only if someone subscribes: copying every event of
        // the group into one more array was a cost of every commit, paid for no one.
        if let lastSeq { hub.publish(through: lastSeq) { staged.committedRecords() } }
        return .success(())
    }
}
