import Foundation
import SolventCore

/// The committer's second thread: takes one staged group at a time, commits it (one write
/// transaction, one fsync) and only then answers it, while the committer thread stages the next
/// group. Depth one: the committer hands a group over only after it has collected the outcome
/// of the one before (`awaitOutcome`), so groups commit in the order they were staged, and a
/// group whose predecessor failed is never committed (docs/PROTOCOL.md, "Group commit").
final class DurableStage: @unchecked Sendable {
    /// How a handed-over group ended, once its answers were handed to the connections.
    struct Outcome: Sendable {
        /// Set when its commit failed: every fresh append of it was refused with this, and the
        /// journal's staged state is ahead of the log (the committer must discard it).
        var failure: InputError?
        /// Connections answered (the `GroupCommitWindow` expects as many).
        var connections: Int
        /// When the group's staging began: the window learns how long it took in all.
        var started: ContinuousClock.Instant
        /// The finished group itself, handed back so that the writer, which allocated its
        /// records and their bytes, frees them: glibc frees a block of another thread's arena
        /// under that arena's lock, and this thread's frees contended with the writer's mallocs
        /// (futex waits, about a tenth of the daemon's CPU on batches; docs/INGEST.md).
        var spent: StagedGroup?
    }

    private struct Job {
        var staged: StagedGroup
        var started: ContinuousClock.Instant
    }

    private let commit: DurableCommit
    /// Told how many inputs a group appended before any of its answers leaves.
    private let counted: @Sendable (Int) -> Void
    /// A test's hook, run on this thread before each commit (to hold one while the committer
    /// stages the next group).
    private let beforeCommit: (@Sendable () -> Void)?

    // `condition` guards everything below; both threads wait on it (this one for a job, the
    // committer for an outcome or the end), so every change is broadcast.
    private let condition = MonotonicCondition()
    private var job: Job?
    private var outcome: Outcome?
    private var inFlight = false
    private var stopping = false
    private var finished = false

    init(commit: DurableCommit, counted: @escaping @Sendable (Int) -> Void, beforeCommit: (@Sendable () -> Void)? = nil) {
        self.commit = commit
        self.counted = counted
        self.beforeCommit = beforeCommit
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "solvent-durable"
        thread.start()
    }

    /// Hands `staged` over; nothing may be in flight (its outcome collected first).
    func hand(_ staged: consuming StagedGroup, started: ContinuousClock.Instant) {
        condition.lock()
        precondition(!inFlight && !stopping, "a group handed to the durable stage while another is in flight")
        job = Job(staged: staged, started: started)
        inFlight = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the group in flight to be committed and answered; nil when none is.
    func awaitOutcome() -> Outcome? {
        condition.lock()
        defer { condition.unlock() }
        guard inFlight else { return nil }
        while outcome == nil { condition.wait() }
        return collect()
    }

    /// The outcome of the group in flight if it has one already, without waiting; nil if none
    /// is in flight or it is not done yet.
    func pollOutcome() -> Outcome? {
        condition.lock()
        defer { condition.unlock() }
        guard inFlight, outcome != nil else { return nil }
        return collect()
    }

    /// Whether a group handed over is still being committed or answered (its outcome not in).
    var isCommitting: Bool {
        condition.lock()
        defer { condition.unlock() }
        return inFlight && outcome == nil
    }

    private func collect() -> Outcome? {
        defer {
            outcome = nil
            inFlight = false
        }
        return outcome
    }

    /// Ends the thread once it is idle; nothing may be in flight. Returns when it has ended.
    func stop() {
        condition.lock()
        precondition(!inFlight, "the durable stage stopped with a group in flight")
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while let taken = take() {
            beforeCommit?()
            var staged = taken.staged
            let started = taken.started
            _ = consume taken  // `staged` holds the group's only reference now
            let failure = commit.finish(&staged, counted: counted)
            condition.lock()
            outcome = Outcome(failure: failure, connections: staged.group.outbox.connections, started: started,
                              spent: consume staged)
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func take() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while job == nil && !stopping { condition.wait() }
        defer { job = nil }
        return job
    }
}
