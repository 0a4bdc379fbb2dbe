import Foundation

/// `posix_spawn` gives the child the calling thread's signal mask, and a concurrency pool thread
/// blocks nearly every signal: a child started from one may not see SIGTERM. The child starts
/// with none blocked, as from a shell (as SolventBench's DaemonProcess does).
func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
    var none = sigset_t()
    var saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    return try body()
}
