import Logging
import ServiceLifecycle
import SolventCluster
import SolventServer
import Synchronization

/// A cluster node's time as a standby, as a service group of its own so that SIGTERM or
/// SIGINT ends it gracefully: it tells systemd it is ready (its socket answers) and keeps
/// `STATUS=` (and the watchdog) going until the node is elected.
struct StandbyPhase: Service {
    let node: ClusterNode
    let listener: ServerOptions.Listener
    let notifier: Notifier
    let watchdog: Duration?
    let logger: Logger
    let elected = Elected()

    /// The epoch the node was elected with; nil after a graceful stop.
    static func run(_ node: ClusterNode, listener: ServerOptions.Listener, notifier: Notifier, watchdog: Duration?,
                    logger: Logger) async throws -> UInt64? {
        let phase = StandbyPhase(node: node, listener: listener, notifier: notifier, watchdog: watchdog, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: phase, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        return phase.elected.epoch.withLock { $0 }
    }

    func run() async throws {
        do {
            let epoch = try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: UInt64?.self) { group in
                    group.addTask { try await node.standUntilElected(listener: listener) }
                    group.addTask { try await report(); return nil }
                    defer { group.cancelAll() }
                    return try await group.next() ?? nil
                }
            }
            if let epoch, Task.isShuttingDownGracefully {
                // Elected as the stop came: hand the key back rather than start leading.
                _ = try? await node.etcd.deleteIf(node.keys.leader, createRevision: Int64(epoch))
                return
            }
            elected.epoch.withLock { $0 = epoch }
        } catch where Task.isCancelled || error is CancellationError {
            // A graceful stop while standing by: whatever was in flight (a read of etcd, the
            // link) ends with the task.
        }
    }

    private func report() async throws {
        notifier.ready(status: node.standbyStatus)
        EarlySignals.replay()
        while true {
            try await Task.sleep(for: watchdog.map { $0 / 2 } ?? .seconds(1))
            notifier.status(node.standbyStatus)
            if watchdog != nil { notifier.watchdog() }
        }
    }
}

/// The epoch a standby phase ended with, set by its service and read after its group.
final class Elected: Sendable {
    let epoch = Mutex<UInt64?>(nil)
}
