import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SolventDaemon
import SolventStore

/// `solventd [--data DIR] [--socket PATH] [--config FILE] [--metrics HOST:PORT]` (SPEC §9).
/// Everything but the argument parsing and the process-wide bootstraps is in SolventDaemon.
@main
struct Solventd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solventd",
        abstract: "The Solvent daemon: the event log behind a Unix socket (docs/OPERATIONS.md).",
        version: Release.versionText)

    @Option(help: "Data directory (default ./solvent-data; overrides the file's \"data\").")
    var data: String?

    @Option(help: "Unix socket path (default <data>/solventd.sock; ignored under socket activation).")
    var socket: String?

    @Option(help: "Configuration file (JSON; keys in docs/OPERATIONS.md).")
    var config: String?

    @Option(help: "Serve Prometheus metrics on HOST:PORT at /metrics.")
    var metrics: String?

    @Option(help: "Serve standbys on HOST:PORT (docs/REPLICATION.md); needs --replication-key-file.")
    var replicationListen: String?

    @Option(help: "File whose bytes (at least 32) are the replication link's pre-shared key.")
    var replicationKeyFile: String?

    @Option(help: "This node's id on the replication link.")
    var node: String?

    @Option(help: "Acknowledge a group only once this many standbys hold it durably (default 0).")
    var syncReplicas: Int?

    @Option(help: "Run as a node of a cluster led through etcd at these client URLs (comma-separated; docs/REPLICATION.md).")
    var clusterEtcd: String?

    @Option(help: "The cluster's name (its etcd keys are under /solvent/NAME/); with --cluster-etcd.")
    var cluster: String?

    @Option(help: "The leadership lease's TTL in seconds (default 5): a dead leader is replaced within about it.")
    var clusterLeaseSeconds: Int64?

    func run() async throws {
        EarlySignals.install()  // From the first moment: a SIGTERM during start-up becomes a graceful stop.
        HashSeed.seedIdentifierHashes()  // before any ledger is made: crafted ids cannot line up
        let settings: DaemonConfig
        do {
            settings = try DaemonConfig.load(configFile: config, flags: DaemonFlags(
                data: data, socket: socket, metrics: metrics, replicationListen: replicationListen,
                replicationKeyFile: replicationKeyFile, node: node, syncReplicas: syncReplicas,
                clusterEtcd: clusterEtcd, cluster: cluster, clusterLeaseSeconds: clusterLeaseSeconds))
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Bootstrapped before anything is served: other parts (subscriptions) record on the
        // global factory with `Gauge(label:)`.
        let registry = PrometheusCollectorRegistry()
        let factory = SolventMetrics.prometheusFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "solventd")
        do {
            try await Daemon.run(config: settings, environment: ProcessInfo.processInfo.environment,
                                 metrics: Daemon.Metrics(registry: registry, factory: factory), logger: logger)
        } catch {
            logger.critical("failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
