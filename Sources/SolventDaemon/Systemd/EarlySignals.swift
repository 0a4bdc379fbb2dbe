import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM or SIGINT arriving during recovery, before the `ServiceGroup` traps them: by default
/// either would kill the process outright. `install` catches them from the start; the notifier
/// re-raises the first one once the group listens, so it becomes a graceful stop.
public enum EarlySignals {
    // Written only by the C signal handler, read once after the group took the signals over.
    nonisolated(unsafe) static var received: Int32 = 0

    public static func install() {
        for signal in [SIGTERM, SIGINT] {
            _ = Glibc.signal(signal) { number in EarlySignals.received = number }
        }
    }

    /// A cluster node runs two service groups, the standby's and then the leader's; a stop that
    /// comes as the first ends (it was elected) must reach the second. libdispatch serves signal
    /// sources through a handler of its own installed once, so `install` cannot be called again;
    /// a source of ours, alive from before the first group, records the signal for `replay`.
    static func watchAcrossGroups() {
        for signal in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { received = signal }
            source.resume()
            watchers.append(source)
        }
    }

    nonisolated(unsafe) private static var watchers: [any DispatchSourceSignal] = []

    /// Delivers a signal caught early again, now to the group's handler: to the process, not
    /// with `raise` (which targets this thread, where libdispatch's source does not see it).
    static func replay() {
        let number = received
        if number != 0 { kill(getpid(), number) }
    }
}
