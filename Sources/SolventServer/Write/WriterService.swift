import Foundation
import ServiceLifecycle

/// The writer (`Committer`, with its durable stage) as a service of the daemon's `ServiceGroup`,
/// listed before the socket server: the group shuts services down in reverse order, so on
/// SIGTERM the server first stops accepting, closes the writer's queue and drains its
/// connections (their answers still come from the writer), and then this service ends the
/// writer — once everything queued is committed and answered — which closes the journal and
/// its LMDB environment.
public struct WriterService: Service {
    let committer: Committer
    /// Told once the writer has ended and the log is closed (the daemon logs "log closed").
    let logClosed: @Sendable () -> Void

    public func run() async throws {
        committer.start()  // started already by `SolventServer.start` (recovery answers status)
        try? await gracefulShutdown()  // Cancellation ends the wait too; the stop is the same.
        await committer.stopped()
        logClosed()
    }
}

extension Committer {
    /// `stop` on a thread of its own: it blocks until the writer's thread has ended, which must
    /// not hold one of the cooperative pool's few threads meanwhile.
    func stopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                stop()
                continuation.resume()
            }
            thread.name = "solvent-writer-stop"
            thread.start()
        }
    }
}
