#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex on the heap: a pthread object must not move, and a Swift stored property may.
final class Lock: @unchecked Sendable {
    private let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        raw.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(raw, nil) == 0, "pthread_mutex_init")
    }

    deinit {
        pthread_mutex_destroy(raw)
        raw.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        precondition(pthread_mutex_lock(raw) == 0, "pthread_mutex_lock")
        defer { pthread_mutex_unlock(raw) }
        return try body()
    }
}

/// A value guarded by a `Lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value { lock.withLock { value } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&value) } }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T { try lock.withLock { try body(&value) } }
}

/// A pthread read-write lock that prefers a waiting exclusive locker over new shared lockers, so a
/// stream of overlapping readers cannot starve a map resize. The price: shared locks must not
/// nest on one thread (a nested shared lock would wait behind a pending exclusive one).
final class ReadWriteLock: @unchecked Sendable {
    private let raw = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        raw.initialize(to: pthread_rwlock_t())
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        precondition(pthread_rwlock_init(raw, &attributes) == 0, "pthread_rwlock_init")
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(raw)
        raw.deallocate()
    }

    func lockShared() { precondition(pthread_rwlock_rdlock(raw) == 0, "pthread_rwlock_rdlock") }
    func lockExclusive() { precondition(pthread_rwlock_wrlock(raw) == 0, "pthread_rwlock_wrlock") }
    func unlock() { precondition(pthread_rwlock_unlock(raw) == 0, "pthread_rwlock_unlock") }
}
