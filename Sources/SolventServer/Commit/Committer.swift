import Foundation
import SolventCore
import SolventStore

/// Where a request's reply line goes; called once, from the committer thread.
public typealias ReplySink = @Sendable (String) -> Void

/// The single writer: one thread that takes everything pending from all connections, appends it
/// in ONE `Journal.appendAccepted` (one transaction, one fsync) and only then replies to all of
/// it. Queries wait in the same queue, so they see every append submitted before them.
final class Committer: @unchecked Sendable {
    /// A bound on the inputs of one commit; more pending waits for the next one.
    static let maxBatchRequests = 16_384

    private struct Work {
        var request: Request
        var reply: ReplySink
    }

    // `condition` guards `queue` and `stopping`; `batcher` belongs to the committer thread.
    private let condition = NSCondition()
    private var queue: [Work] = []
    private var stopping = false
    private let finished = NSCondition()
    private var done = false
    /// Dropped when the thread finishes, so the journal (and its LMDB environment) closes then.
    private var batcher: CommitBatcher?

    init(journal: Journal, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil) {
        batcher = CommitBatcher(journal: journal, nowMs: nowMs, observer: observer)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "solvent-committer"
        thread.start()
    }

    /// Queues `request`; false once `stop` was called (the caller replies `shutting_down`).
    func submit(_ request: Request, reply: @escaping ReplySink) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        queue.append(Work(request: request, reply: reply))
        condition.signal()
        return true
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
            batcher?.commit(work.map { ($0.request, $0.reply) })
        }
        batcher = nil
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    /// Blocks until work is pending; nil once stopping and drained.
    private func next() -> [Work]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty { return nil }
        let count = min(queue.count, Self.maxBatchRequests)
        let work = Array(queue.prefix(count))
        queue.removeFirst(count)
        return work
    }
}
