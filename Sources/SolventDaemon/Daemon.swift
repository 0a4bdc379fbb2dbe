import CoreMetrics
import Logging
import Prometheus
import ServiceLifecycle
import SolventCore
import SolventProtocol
import SolventReplication
import SolventServer
#if canImport(Glibc)
import Glibc
#endif

/// `solventd`: recovery, then a `ServiceGroup` of the metrics endpoint, the socket server, the
/// clock and the systemd notifier, until SIGTERM or SIGINT shuts it down gracefully.
public enum Daemon {
    /// Where metrics go; nil when `config.metrics` is not set.
    public struct Metrics: Sendable {
        public var registry: PrometheusCollectorRegistry
        public var factory: any MetricsFactory

        public init(registry: PrometheusCollectorRegistry, factory: any MetricsFactory) {
            self.registry = registry
            self.factory = factory
        }
    }

    public static func run(config: DaemonConfig, environment: [String: String], metrics: Metrics?, logger: Logger) async throws {
        EarlySignals.install()
        let notifier = Notifier(environment: environment)
        let activated = try SocketActivation.listeningDescriptor(environment: environment)
        SocketActivation.unsetEnvironment()
        let listener: ServerOptions.Listener = activated.map { .descriptor($0) } ?? .path(config.socketPath)
        let figures = metrics.map { SolventMetrics(factory: $0.factory) }
        // A cluster node stands by until it is elected; then it opens the log as the writer. Its
        // metrics are served from the start: a standby's alarm and seq are watched too.
        var elected: (node: ClusterNode, epoch: UInt64)?
        var endpoint: MetricsEndpoint?
        if let cluster = config.cluster, let replication = config.replication {
            endpoint = try await startMetrics(config, metrics, logger: logger)
            let node = try await ClusterNode.join(cluster, replication: replication, config: config, logger: logger)
            EarlySignals.watchAcrossGroups()
            guard let epoch = try await StandbyPhase.run(node, listener: listener, notifier: notifier,
                                                         watchdog: watchdogInterval(environment: environment), logger: logger) else {
                await node.leave()
                await endpoint?.close()
                logger.info("stopped")
                return
            }
            elected = (node, epoch)
        }

        if TestOnlyAckBeforeFsync.isEnabled {
            logger.critical("TEST ONLY: \(TestOnlyAckBeforeFsync.environmentVariable)=1 — appends are acknowledged before their commit is durable (docs/RELIABILITY.md); never run production like this")
        }
        logger.info("recovering", metadata: ["data": "\(config.data)"])
        var options = ServerOptions(snapshotEvery: config.snapshotEvery, roles: Roles(config.roles), observer: figures)
        options.maxConnections = config.maxConnections
        options.subscriberBacklogRecords = config.subscriberBacklogRecords
        options.stalledWriteSeconds = config.stalledWriteSeconds
        options.commitDelayUs = config.commitDelayUs
        // Every replicating leader has one: it wakes the link at each commit, and with K > 0 waits.
        let quorum = config.replication.map { AckQuorum(required: $0.syncReplicas, fence: elected?.node.keeper.fence, logger: logger) }
        options.replicationGate = quorum
        options.clusterRole = elected.map { ClusterRole(role: .leader, node: $0.node.node, leader: $0.node.node) }
        let server = try await SolventServer.start(listener: listener, dataDirectory: config.data, options: options)
        var services: [any Service] = []
        do {
            if elected == nil { endpoint = try await startMetrics(config, metrics, logger: logger) }
            if let endpoint { services.append(MetricsService(endpoint: endpoint)) }
        } catch {
            try? await server.shutdown()
            throw error
        }
        let seq = await currentSeq(server)
        logger.info("recovered", metadata: [
            "seq": "\(seq)", "socket": activated.map { "fd \($0) (socket activation)" } ?? .string(config.socketPath),
            "roles": "\(config.roles.count)",
        ])

        // Before the server: the group shuts services down in reverse, so the writer ends only
        // after the server has drained its connections (WriterService).
        services.append(server.writerService(logClosed: { logger.info("log closed") }))
        services.append(ServerService(server: server, logger: logger))
        // After the server and the writer: it stops first, before the log it reads is closed.
        if let replication = config.replication, let quorum {
            do {
                services.append(try await ReplicationService.start(replication, server: server, quorum: quorum, epoch: elected?.epoch ?? 0,
                                                                   environment: environment, logger: logger))
            } catch {
                try? await server.shutdown()
                throw error
            }
        }
        // After the replication link: the first told to stop, it resigns the leader key once
        // the server has drained (it waits for that), so a planned stop hands over at once.
        if let elected {
            services.append(ClusterLeaderService(node: elected.node, epoch: elected.epoch, server: server, logger: logger))
        }
        if config.clockIntervalMs > 0 {
            services.append(ClockService(server: server, interval: .milliseconds(Int64(config.clockIntervalMs))))
        }
        // READY=1 comes from the notifier's run: services start only once the group traps
        // SIGTERM, so a stop sent right after READY is a graceful one, not the default death.
        services.append(NotifyService(server: server, notifier: notifier, watchdog: watchdogInterval(environment: environment),
                                      connections: figures?.connections, readyStatus: "ready; seq=\(seq) clients=0",
                                      logger: logger))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// The Prometheus endpoint, when `--metrics` asks for one.
    private static func startMetrics(_ config: DaemonConfig, _ metrics: Metrics?, logger: Logger) async throws -> MetricsEndpoint? {
        guard let metrics, let address = config.metrics else { return nil }
        let endpoint = try await MetricsEndpoint.start(address: address, registry: metrics.registry)
        logger.info("metrics", metadata: ["address": "\(address.host):\(endpoint.port)"])
        return endpoint
    }

    private static func currentSeq(_ server: SolventServer) async -> String {
        await server.committedSeq().map { String($0) } ?? "?"
    }
}
