import Foundation
import Metrics
import SolventCore
import SolventStore

/// The single writer: one thread that takes everything pending from all connections, appends it
/// in ONE `Journal.appendAccepted` (one transaction, one fsync) and only then replies to all of
/// it. Queries wait in the same queue, so they see every append submitted before them.
final class Committer: @unchecked Sendable {
    /// A bound on the inputs of one commit; more pending waits for the next one.
    static let maxBatchRequests = 16_384

    /// Waits for a group to fill (`GroupCommitWindow`), by how they ended: every expected
    /// arrival came, or the delay ran out first.
    private static let waitsFilled = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "filled")])
    private static let waitsExpired = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "expired")])

    // `condition` guards `queue`, `arrivals`, `arrivalsAwaited`, `stopping` and `counts`;
    // `batcher` and `window` belong to the committer thread.
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

    /// `window` decides how long a group waits for more arrivals (`GroupCommitWindow`).
    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil,
         window: GroupCommitWindow = GroupCommitWindow()) {
        batcher = CommitBatcher(journal: journal, hub: hub, nowMs: nowMs, observer: observer)
        self.window = window
    }

    func start() {
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
        while let work = next() {
            let started = ContinuousClock.now
            // Consumed: the batcher moves each event out of the array, which must be unique then.
            let connections = batcher?.commit(consume work) { appended in
                condition.lock()
                if appended > 0 { counts.batches += 1 }
                counts.inputs += appended
                condition.unlock()
            }
            window.committed(connections: connections ?? 0, durationNs: Self.nanoseconds(ContinuousClock.now - started))
            // The replies are out: what the next commit would otherwise do first, now.
            batcher?.journal.log.prepareFold()
        }
        batcher = nil
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    /// Blocks until work is pending, and then while the window says more is coming; nil once
    /// stopping and drained.
    private func next() -> [Submission]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty { return nil }
        awaitArrivals()
        guard queue.count > Self.maxBatchRequests else {
            arrivals = 0
            defer { queue = [] }
            return queue
        }
        // The arrivals left behind are not known; counting them all keeps the next group from
        // waiting, which a queue this long does not need.
        let work = Array(queue.prefix(Self.maxBatchRequests))
        queue.removeFirst(Self.maxBatchRequests)
        return work
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
