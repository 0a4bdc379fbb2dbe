import CoreMetrics
import Logging
import ServiceLifecycle
import SolventCore
import SolventServer

/// Keeps systemd informed: `READY=1` when it starts (recovery is done by then, and the group
/// already traps SIGTERM and SIGINT), then `STATUS=seq=… clients=…` and, when `WatchdogSec=` is set, `WATCHDOG=1`
/// every half interval — but only after a `status` request has gone through the committer, so
/// a stuck writer stops the pings and systemd restarts the service. On graceful shutdown it
/// sends `STOPPING=1` first (it is the last service of the group, so the first told to stop).
struct NotifyService: Service {
    let server: SolventServer
    let notifier: Notifier
    let watchdog: Duration?
    let connections: Gauge?
    let readyStatus: String
    let logger: Logger

    /// Without a watchdog, STATUS is refreshed this often.
    static let statusPeriod = Duration.seconds(5)

    func run() async throws {
        let period = watchdog.map { $0 / 2 } ?? Self.statusPeriod
        notifier.ready(status: readyStatus)
        logger.info("ready")
        EarlySignals.replay()  // A stop asked for during recovery is honoured now, gracefully.
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await report()
                    try await Task.sleep(for: period)
                }
            }
        } catch is CancellationError {}
        let seq = await seq().map(String.init) ?? "?"
        notifier.stopping(status: "stopping: committing what was read; seq=\(seq)")
        logger.info("stopping", metadata: ["seq": "\(seq)"])
    }

    private func report() async {
        let clients = server.connectionCount
        connections?.record(clients)
        guard let seq = await seq() else { return }
        notifier.status("seq=\(seq) clients=\(clients)")
        if watchdog != nil { notifier.watchdog() }
    }

    /// The committed seq, through the committer (the liveness probe); nil once it stopped.
    private func seq() async -> Seq? {
        await server.committedSeq()
    }
}
