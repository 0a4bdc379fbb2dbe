import Foundation
import Metrics
import SolventCore
import SolventStore

/// The single writer: takes everything pending from all connections, appends it in ONE write
/// transaction (one fsync) and only then replies to all of it. Queries wait in the same queue,
/// so they see every append submitted before them.
///
/// Two threads, two stages (docs/PROTOCOL.md, "Group commit"): this one owns the state and
/// stages each group (stored keys answered, times stamped, inputs checked, applied and
/// encoded); while work is queued behind a staged group, it hands the group to the
/// `DurableStage` thread, which commits it and then answers it, and stages the next group
/// meanwhile. With nothing queued it commits the group itself (no hand-off: one client waiting
/// alone gains nothing from it). Depth one: a group is handed over only once the one before it
/// is durable, and one whose predecessor failed is refused instead.
final class Committer: @unchecked Sendable {
    /// A bound on the inputs of one commit; more pending waits for the next one.
    static let maxBatchRequests = 16_384
    /// A group at least this large goes to the durable stage even with nothing queued behind
    /// it (its clients' next requests come while it commits), and twice as much pending with
    /// nothing in flight is taken in two halves, so that the second is staged while the first
    /// commits. Well above the 64 one-request clients' groups, which stay whole and inline.
    static let pipelineGroupRequests = 256

    /// Waits for a group to fill (`GroupCommitWindow`), by how they ended: every expected
    /// arrival came, or the delay ran out first.
    private static let waitsFilled = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "filled")])
    private static let waitsExpired = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "expired")])

    // `condition` guards `queue`, `arrivals`, `arrivalsAwaited`, `stopping` and `counts`;
    // `batcher`, `window`, `durable` and `inFlightKeys` belong to the committer thread.
    private let condition = MonotonicCondition()
    private var queue: [Submission] = []
    /// `submit` calls whose work is queued (one per connection read).
    private var arrivals = 0
    /// The arrivals at which `submit` wakes the committer: 1 while it idles on an empty queue,
    /// the window's target while it waits for more (so the arrivals in between cost no wake-up).
    private var arrivalsAwaited = 1
    private var stopping = false
    private var counts = CommitCounts()
    private var window: GroupCommitWindow
    private let finished = NSCondition()
    private var done = false
    /// Dropped when the thread finishes, so the journal (and its LMDB environment) closes then.
    private var batcher: CommitBatcher?
    private var durable: DurableStage?
    /// The keys of the group in flight on the durable stage (empty when none is): registered in
    /// the log only by its commit, so a later group that repeats one waits for that commit.
    private var inFlightKeys: [KeyBytes: Int] = [:]
    private let maxGroupRequests: Int
    private let pipelineRequests: Int

    /// `window` decides how long a group waits for more arrivals (`GroupCommitWindow`).
    /// `maxGroupRequests`, `pipelineRequests` and `beforeDurableCommit` are for tests: a smaller
    /// bound on a group, another `pipelineGroupRequests`, and a hook run on the durable stage's
    /// thread before each commit handed to it.
    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil,
         window: GroupCommitWindow = GroupCommitWindow(), maxGroupRequests: Int = Committer.maxBatchRequests,
         pipelineRequests: Int = Committer.pipelineGroupRequests, beforeDurableCommit: (@Sendable () -> Void)? = nil) {
        let batcher = CommitBatcher(journal: journal, hub: hub, nowMs: nowMs, observer: observer)
        self.batcher = batcher
        self.window = window
        self.maxGroupRequests = maxGroupRequests
        self.pipelineRequests = pipelineRequests
        durable = DurableStage(finisher: batcher.finisher, counted: { [unowned self] in count($0) }, beforeCommit: beforeDurableCommit)
    }

    func start() {
        durable?.start()
        let thread = Thread { [self] in run() }
        thread.name = "solvent-committer"
        thread.start()
    }

    /// Queues `work` (a connection's requests of one read, in order); false once `stop` was
    /// called (the caller replies `shutting_down`).
    func submit(_ work: [Submission]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        // An empty queue takes the array as it is: copying each request (and retaining what it
        // holds) only to drop the original was a cost per request for one pipelining client.
        if queue.isEmpty { queue = work } else { queue.append(contentsOf: work) }
        arrivals += 1
        if arrivals >= arrivalsAwaited { condition.signal() }
        return true
    }

    /// Group commits made and inputs appended so far (for benches and status).
    var commitCounts: CommitCounts {
        condition.lock()
        defer { condition.unlock() }
        return counts
    }

    /// Refuses new work, commits and acknowledges everything queued, and returns when the thread
    /// has finished (the journal is then no longer touched).
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.lock()
        while !done { finished.wait() }
        finished.unlock()
    }

    private func run() {
        if let batcher, let durable {
            while let work = next(inFlight: durable.isCommitting) { commit(consume work, batcher, durable) }
            settle(durable, batcher)
            durable.stop()
        }
        durable = nil
        batcher = nil
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    /// One group: committed here when it holds queries or ticks (after the group in flight) or
    /// when nothing waits behind it; else staged here and handed to the durable stage.
    private func commit(_ work: consuming [Submission], _ batcher: CommitBatcher, _ durable: DurableStage) {
        let started = ContinuousClock.now
        // Consumed: the batcher moves each event out of the array, which must be unique then.
        let group = batcher.prepare(consume work)
        if group.needsInlineCommit || group.sharesKey(with: inFlightKeys) {
            // Queries and ticks read the state and the log after every group before them; a
            // retry of a key in flight is answered from the log once that key is there.
            settle(durable, batcher)
        } else if let outcome = durable.pollOutcome() {
            settled(outcome, batcher)  // Done already: a failure is discarded before staging on it.
        }
        var staged = batcher.stage(consume group)
        if staged.group.needsInlineCommit { return finishInline(&staged, batcher, since: started) }
        if let failure = settle(durable, batcher) {
            // The group before failed and the state was rebuilt from the log: this one's seqs
            // and checks followed that group's, so none of its appends can stand.
            staged.refuseFresh(failure)
            count(0)
            staged.group.outbox.send()
            window.committed(connections: staged.group.outbox.connections, durationNs: Self.nanoseconds(ContinuousClock.now - started))
            return
        }
        guard !staged.results.isEmpty, handOff(staged.group.work.count) else { return finishInline(&staged, batcher, since: started) }
        swap(&inFlightKeys, &staged.group.freshIndex)
        durable.hand(staged, started: started)
    }

    /// Whether to hand a staged group of `requests` over: it is large, or work is queued that
    /// the committer would take at once (the window would not wait for more arrivals first).
    private func handOff(_ requests: Int) -> Bool {
        if requests >= pipelineRequests { return true }
        condition.lock()
        defer { condition.unlock() }
        return !queue.isEmpty && (stopping || window.arrivalsToAwait(pendingArrivals: arrivals) == nil)
    }

    /// Commits `staged` on this thread (nothing in flight), answers it, and its ticks and queries.
    private func finishInline(_ staged: inout StagedGroup, _ batcher: CommitBatcher, since started: ContinuousClock.Instant) {
        let connections = batcher.finishInline(&staged, counted: count)
        window.committed(connections: connections, durationNs: Self.nanoseconds(ContinuousClock.now - started))
        // The replies are out: what the next commit would otherwise do first, now.
        batcher.journal.log.prepareFold()
    }

    /// Waits for the group in flight, if any; returns its failure after discarding the staged
    /// state (the journal's, including any group staged after it).
    @discardableResult
    private func settle(_ durable: DurableStage, _ batcher: CommitBatcher) -> InputError? {
        guard let outcome = durable.awaitOutcome() else { return nil }
        return settled(outcome, batcher)
    }

    @discardableResult
    private func settled(_ outcome: DurableStage.Outcome, _ batcher: CommitBatcher) -> InputError? {
        inFlightKeys.removeAll(keepingCapacity: true)
        window.committed(connections: outcome.connections, durationNs: Self.nanoseconds(ContinuousClock.now - outcome.started))
        guard let failure = outcome.failure else { return nil }
        batcher.journal.discardStaged()
        return failure
    }

    private func count(_ appended: Int) {
        condition.lock()
        if appended > 0 { counts.batches += 1 }
        counts.inputs += appended
        condition.unlock()
    }

    /// Blocks until work is pending, and then, with no group `inFlight` (still committing),
    /// while the window says more is coming; nil once stopping and drained. While a group
    /// commits the window does not wait: work is flowing, and the next group's staging overlaps
    /// that commit. A long queue is not taken whole (`groupLimit`).
    private func next(inFlight: Bool) -> [Submission]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty { return nil }
        if !inFlight { awaitArrivals() }
        let limit = Self.groupLimit(queued: queue.count, inFlight: inFlight, maxGroupRequests: maxGroupRequests,
                                    pipelineRequests: pipelineRequests)
        guard queue.count > limit else {
            arrivals = 0
            defer { queue = [] }
            return queue
        }
        // The arrivals left behind are not known; counting them all keeps the next group from
        // waiting, which a queue this long does not need.
        let work = Array(queue.prefix(limit))
        queue.removeFirst(limit)
        return work
    }

    /// How many of `queued` requests the next group takes. One pipelining client's whole window
    /// (1,024) taken at once leaves nothing to stage while it commits, and every window after it
    /// comes whole too; so a queue of 512 or more is taken in two halves with nothing
    /// committing, and by halves of no fewer than 512 while a group commits: two groups of ~512
    /// then take turns staging and committing. Taking the whole queue in the second case,
    /// as first built, fell back into whole windows in about one run in three (groups of ~755,
    /// 225k NDJSON events/s against 265–285k; docs/INGEST.md, "Groups capped while one commits").
    static func groupLimit(queued: Int, inFlight: Bool, maxGroupRequests: Int = maxBatchRequests,
                           pipelineRequests: Int = pipelineGroupRequests) -> Int {
        let pair = 2 * pipelineRequests
        guard queued >= pair else { return maxGroupRequests }
        let half = (queued + 1) / 2
        return min(maxGroupRequests, inFlight ? max(half, pair) : half)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
    }

    /// With the lock held and work pending: waits (a timed condition wait, no spinning) until
    /// as many arrivals as the window expects are queued, its delay is over, or `stop`. The
    /// deadline is on the monotonic clock, so a wall clock stepped meanwhile changes nothing.
    private func awaitArrivals() {
        guard !stopping, let target = window.arrivalsToAwait(pendingArrivals: arrivals) else { return }
        let deadlineNs = MonotonicCondition.nowNs() + window.delayNs
        arrivalsAwaited = target
        defer { arrivalsAwaited = 1 }
        while arrivals < target && !stopping {
            if !condition.wait(untilNs: deadlineNs) { break }
        }
        (arrivals >= target ? Self.waitsFilled : Self.waitsExpired).increment()
    }
}

/// Group commits that appended something (each one transaction, one fsync) and the inputs they
/// appended.
public struct CommitCounts: Sendable, Equatable {
    public var batches = 0
    public var inputs = 0
}
