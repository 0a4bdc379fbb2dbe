#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and condition variable whose timed wait runs on `CLOCK_MONOTONIC`.
///
/// `NSCondition.wait(until:)` takes a `Date`, and glibc times that wait on `CLOCK_REALTIME`: a
/// wall clock stepped back (NTP at boot, an operator) by an hour during a 1 ms group-commit wait
/// would hold the writer, and every request queued behind it, for that hour. The monotonic clock
/// never steps (pthread_condattr_setclock(3)).
final class MonotonicCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        precondition(pthread_condattr_init(&attributes) == 0, "pthread_condattr_init failed")
        #if canImport(Glibc)
        precondition(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0, "pthread_condattr_setclock failed")
        #endif
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { precondition(pthread_mutex_lock(mutex) == 0, "pthread_mutex_lock failed") }
    func unlock() { precondition(pthread_mutex_unlock(mutex) == 0, "pthread_mutex_unlock failed") }
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits for a signal (the lock held); may wake spuriously, so callers loop on their predicate.
    func wait() { precondition(pthread_cond_wait(condition, mutex) == 0, "pthread_cond_wait failed") }

    /// Waits for a signal until the monotonic clock reads `deadlineNs` (the lock held); false
    /// once the deadline has passed.
    func wait(untilNs deadlineNs: UInt64) -> Bool {
        var deadline = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        let result = pthread_cond_timedwait(condition, mutex, &deadline)
        precondition(result == 0 || result == ETIMEDOUT, "pthread_cond_timedwait failed: \(result)")
        return result == 0
    }

    /// The monotonic clock, in nanoseconds, for deadlines of `wait(untilNs:)`.
    static func nowNs() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
