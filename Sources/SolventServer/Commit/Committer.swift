import Foundation
import SolventCore
import SolventStore

/// The single writer: one thread that takes everything pending from all connections, appends it
/// in ONE `Journal.appendAccepted` (one transaction, one fsync) and only then replies to all of
/// it. Queries wait in the same queue, so they see every append submitted before them.
final class Committer: @unchecked Sendable {
    /// A bound on the inputs of one commit; more pending waits for the next one.
    static let maxBatchRequests = 16_384

    // `condition` guards `queue`, `stopping` and `counts`; `batcher` belongs to the committer thread.
    private let condition = NSCondition()
    private var queue: [Submission] = []
    private var stopping = false
    private var counts = CommitCounts()
    private let finished = NSCondition()
    private var done = false
    /// Dropped when the thread finishes, so the journal (and its LMDB environment) closes then.
    private var batcher: CommitBatcher?

    init(journal: Journal, hub: SubscriptionHub, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil) {
        batcher = CommitBatcher(journal: journal, hub: hub, nowMs: nowMs, observer: observer)
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
        queue.append(contentsOf: work)
        condition.signal()
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
            batcher?.commit(work) { appended in
                condition.lock()
                if appended > 0 { counts.batches += 1 }
                counts.inputs += appended
                condition.unlock()
            }
        }
        batcher = nil
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    /// Blocks until work is pending; nil once stopping and drained.
    private func next() -> [Submission]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty { return nil }
        guard queue.count > Self.maxBatchRequests else {
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        let work = Array(queue.prefix(Self.maxBatchRequests))
        queue.removeFirst(Self.maxBatchRequests)
        return work
    }
}

/// Group commits that appended something (each one transaction, one fsync) and the inputs they
/// appended.
public struct CommitCounts: Sendable, Equatable {
    public var batches = 0
    public var inputs = 0
}
