import Metrics
import SolventCore

/// The writer's queue: what the connections' event loops submit (`submit`, on their threads)
/// and the writer takes a group at a time (`next`, on its own). It also keeps the counts of
/// commits made, which a client that has its answer must see counted.
final class WriterQueue: @unchecked Sendable {
    /// Waits for a group to fill (`GroupCommitWindow`), by how they ended: every expected
    /// arrival came, or the delay ran out first.
    private static let waitsFilled = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "filled")])
    private static let waitsExpired = Counter(label: "solvent_commit_waits_total", dimensions: [("outcome", "expired")])

    // `condition` guards everything below.
    private let condition = MonotonicCondition()
    private var queue: [Submission] = []
    /// The events of `queue`: a batch append counts its events, any other request one.
    private var queuedEvents = 0
    /// `submit` calls whose work is queued (one per connection read).
    private var arrivals = 0
    /// The arrivals at which `submit` wakes the writer: 1 while it idles on an empty queue,
    /// the window's target while it waits for more (so the arrivals in between cost no wake-up).
    private var arrivalsAwaited = 1
    private(set) var closed = false
    private var counts = CommitCounts()

    /// Queues `work` (a connection's requests of one read, in order); false once `close` was
    /// called (the caller replies `shutting_down`).
    func submit(_ work: [Submission]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        // An empty queue takes the array as it is: copying each request (and retaining what it
        // holds) only to drop the original was a cost per request for one pipelining client.
        if queue.isEmpty { queue = work } else { queue.append(contentsOf: work) }
        for submission in work { queuedEvents += submission.events }
        arrivals += 1
        if arrivals >= arrivalsAwaited { condition.signal() }
        return true
    }

    /// Refuses new work from now on; what is queued is still taken (`next` returns nil once it
    /// is drained).
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// Group commits made and inputs appended so far (for benches and status).
    var commitCounts: CommitCounts {
        condition.lock()
        defer { condition.unlock() }
        return counts
    }

    func count(appended: Int) {
        condition.lock()
        if appended > 0 { counts.batches += 1 }
        counts.inputs += appended
        condition.unlock()
    }

    /// Blocks until work is pending, and then, with no group `inFlight` (still committing),
    /// while `window` says more is coming; nil once closed and drained. While a group commits
    /// the window does not wait: work is flowing, and the next group's staging overlaps that
    /// commit. A long queue is not taken whole (`HandOff.groupLimit`).
    func next(inFlight: Bool, window: GroupCommitWindow, handOff: HandOff) -> [Submission]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        if queue.isEmpty { return nil }
        if !inFlight { awaitArrivals(window) }
        var limit = handOff.groupLimit(queued: queue.count, inFlight: inFlight)
        guard queue.count > limit || queuedEvents > handOff.maxGroupEvents else {
            arrivals = 0
            queuedEvents = 0
            defer { queue = [] }
            return queue
        }
        // Batches: no more events than one transaction should hold (at least one request).
        var events = queue[0].events
        var taken = 1
        while taken < min(limit, queue.count), events + queue[taken].events <= handOff.maxGroupEvents {
            events += queue[taken].events
            taken += 1
        }
        limit = taken
        queuedEvents -= events
        // The arrivals left behind are not known; counting them all keeps the next group from
        // waiting, which a queue this long does not need.
        let work = Array(queue.prefix(limit))
        queue.removeFirst(limit)
        return work
    }

    /// Whether work is queued that the writer would take at once: `window` would not wait for
    /// more arrivals first, or the queue is closing (`HandOff.handsOver`).
    func hasWorkTakenAtOnce(window: GroupCommitWindow) -> (queued: Bool, takenAtOnce: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (!queue.isEmpty, closed || window.arrivalsToAwait(pendingArrivals: arrivals) == nil)
    }

    /// With the lock held and work pending: waits (a timed condition wait, no spinning) until
    /// as many arrivals as the window expects are queued, its delay is over, or `close`. The
    /// deadline is on the monotonic clock, so a wall clock stepped meanwhile changes nothing.
    private func awaitArrivals(_ window: GroupCommitWindow) {
        guard !closed, let target = window.arrivalsToAwait(pendingArrivals: arrivals) else { return }
        let deadlineNs = MonotonicCondition.nowNs() + window.delayNs
        arrivalsAwaited = target
        defer { arrivalsAwaited = 1 }
        while arrivals < target && !closed {
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
