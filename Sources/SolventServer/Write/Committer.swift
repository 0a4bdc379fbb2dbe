import Foundation
import SolventCore
import SolventProtocol
import SolventStore

/// The single writer: takes everything pending from all connections (`WriterQueue`), appends it
/// in ONE write transaction (one fsync) and only then replies to all of it. Queries wait in the
/// same queue, so they see every append submitted before them.
///
/// Two threads, two stages (docs/PROTOCOL.md, "Group commit"): this one, `solvent-committer`,
/// owns the state and stages each group (`GroupStaging`); while work is queued behind a staged
/// group, it hands the group to the `DurableStage` thread, which commits and answers it
/// (`DurableCommit.finish`), and stages the next group meanwhile. With nothing queued it
/// finishes the group itself, through the same routine (`HandOff` decides). Depth one: a group
/// is handed over only once the one before it is durable, and one whose predecessor failed is
/// refused instead.
final class Committer: @unchecked Sendable {
    let queue = WriterQueue()
    private let finished = NSCondition()
    private var started = false
    private var done = false
    // The writer thread's own, untouched by any other thread.
    private var window: GroupCommitWindow
    private let handOff: HandOff
    /// Dropped when the thread finishes, so the journal (and its LMDB environment) closes then.
    private var staging: GroupStaging?
    private var durable: DurableStage?
    private let durableCommit: DurableCommit
    /// The keys of the group in flight on the durable stage (empty when none is): registered in
    /// the log only by its commit, so a later group that repeats one waits for that commit.
    private var inFlightKeys: [KeyBytes: Int] = [:]

    /// `window` decides how long a group waits for more arrivals (`GroupCommitWindow`).
    /// `handOff` and `beforeDurableCommit` are for tests: other group bounds, and a hook run on
    /// the durable stage's thread before each commit handed to it.
    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil,
         replicationGate: (any ReplicationGate)? = nil, clusterRole: ClusterRole? = nil, window: GroupCommitWindow = GroupCommitWindow(),
         handOff: HandOff = HandOff(), beforeDurableCommit: (@Sendable () -> Void)? = nil) {
        staging = GroupStaging(journal: journal, nowMs: nowMs, observer: observer, clusterRole: clusterRole)
        durableCommit = DurableCommit(log: journal.log, hub: hub, observer: observer, replicationGate: replicationGate)
        self.window = window
        self.handOff = handOff
        durable = DurableStage(commit: durableCommit, counted: { [queue] in queue.count(appended: $0) }, beforeCommit: beforeDurableCommit)
    }

    /// Starts the writer thread (and the durable stage's); a second call does nothing.
    func start() {
        finished.lock()
        defer { finished.unlock() }
        guard !started else { return }
        started = true
        durable?.start()
        let thread = Thread { [self] in run() }
        thread.name = "solvent-committer"
        thread.start()
    }

    /// Queues `work` (a connection's requests of one read, in order); false once `stop` began
    /// (the caller replies `shutting_down`).
    func submit(_ work: [Submission]) -> Bool { queue.submit(work) }

    /// Group commits made and inputs appended so far (for benches and status).
    var commitCounts: CommitCounts { queue.commitCounts }

    /// Refuses new work, commits and acknowledges everything queued, and returns when the thread
    /// has finished (the journal is then no longer touched). Blocks: call it off the cooperative
    /// pool's threads when it may wait long.
    func stop() {
        queue.close()
        finished.lock()
        defer { finished.unlock() }
        guard started else { return }
        while !done { finished.wait() }
    }

    private func run() {
        if let staging, let durable {
            while let work = queue.next(inFlight: durable.isCommitting, window: window, handOff: handOff) {
                commit(consume work, staging, durable)
            }
            settle(durable, staging)
            durable.stop()
        }
        durable = nil
        staging = nil
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    /// One group: committed here when it holds queries or ticks (after the group in flight) or
    /// when nothing waits behind it; else staged here and handed to the durable stage.
    private func commit(_ work: consuming [Submission], _ staging: GroupStaging, _ durable: DurableStage) {
        let started = ContinuousClock.now
        // Consumed: staging moves each event out of the array, which must be unique then.
        let group = staging.prepare(consume work)
        if group.needsInlineCommit || group.sharesKey(with: inFlightKeys) {
            // Queries and ticks read the state and the log after every group before them; a
            // retry of a key in flight is answered from the log once that key is there.
            settle(durable, staging)
        } else if let outcome = durable.pollOutcome() {
            settled(outcome, staging)  // Done already: a failure is discarded before staging on it.
        }
        var staged = staging.stage(consume group)
        if staged.group.needsInlineCommit { return finishHere(&staged, staging, since: started) }
        if let failure = settle(durable, staging) {
            // The group before failed and the state was rebuilt from the log: this one's seqs
            // and checks followed that group's, so none of its appends can stand.
            staged.refuseFresh(failure)
            queue.count(appended: 0)
            staged.group.outbox.send()
            window.committed(connections: staged.group.outbox.connections, durationNs: Self.nanoseconds(ContinuousClock.now - started))
            return
        }
        guard !staged.results.isEmpty,
              handOff.handsOver(inputs: staged.results.count, behind: { queue.hasWorkTakenAtOnce(window: window) })
        else { return finishHere(&staged, staging, since: started) }
        swap(&inFlightKeys, &staged.group.freshIndex)
        durable.hand(staged, started: started)
    }

    private func finishHere(_ staged: inout StagedGroup, _ staging: GroupStaging, since started: ContinuousClock.Instant) {
        Self.finishInline(&staged, staging, durableCommit) { queue.count(appended: $0) }
        window.committed(connections: staged.group.outbox.connections, durationNs: Self.nanoseconds(ContinuousClock.now - started))
    }

    /// Finishes `staged` on the writer thread (nothing in flight): a failed commit's staged state
    /// is discarded before the group's tick and queries are answered, so they see the log as it is.
    static func finishInline(_ staged: inout StagedGroup, _ staging: GroupStaging, _ commit: DurableCommit,
                             counted: (Int) -> Void) {
        _ = commit.finish(&staged, counted: counted) { group, failure in
            if failure != nil { staging.journal.discardStaged() }
            staging.answerTicksAndQueries(&group)
        }
    }

    /// Waits for the group in flight, if any; returns its failure after discarding the staged
    /// state (the journal's, including any group staged after it).
    @discardableResult
    private func settle(_ durable: DurableStage, _ staging: GroupStaging) -> InputError? {
        guard let outcome = durable.awaitOutcome() else { return nil }
        return settled(outcome, staging)
    }

    @discardableResult
    private func settled(_ outcome: DurableStage.Outcome, _ staging: GroupStaging) -> InputError? {
        inFlightKeys.removeAll(keepingCapacity: true)
        window.committed(connections: outcome.connections, durationNs: Self.nanoseconds(ContinuousClock.now - outcome.started))
        guard let failure = outcome.failure else { return nil }
        staging.journal.discardStaged()
        return failure
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
    }
}
