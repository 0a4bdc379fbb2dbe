import Foundation
import Logging
import ServiceLifecycle
import SolventCore
import SolventReplication
import SolventServer

/// The leader's replication listener as a service of the daemon (docs/REPLICATION.md): it reads
/// committed records only, and stops before the writer closes the log.
struct ReplicationService: Service {
    let leader: ReplicationLeader

    /// Binds the listener for `config` on `server`'s log. The key is the file's bytes.
    static func start(_ config: ReplicationConfig, server: SolventServer, quorum: AckQuorum, epoch: UInt64, environment: [String: String],
                      logger: Logger) async throws -> ReplicationService {
        let handshake = try Self.handshake(config)
        let tamper = environment[TestOnlyTamper.environmentVariable].flatMap(UInt64.init).map { Seq($0) }
        if let tamper { logger.critical("TEST ONLY: \(TestOnlyTamper.environmentVariable)=\(tamper) — record \(tamper) is altered on the replication link") }
        let leader = try await ReplicationLeader(
            log: server.log,
            options: .init(host: config.listen.host, port: config.listen.port, node: config.node, handshake: handshake, quorum: quorum,
                           epoch: epoch, tamperSeq: tamper),
            logger: logger)
        logger.info("replication", metadata: ["listen": "\(config.listen.host):\(leader.port)", "node": "\(config.node)",
                                              "syncReplicas": "\(config.syncReplicas)"])
        return ReplicationService(leader: leader)
    }

    /// The link's handshake with the key in `config.keyFile` (its bytes).
    static func handshake(_ config: ReplicationConfig) throws -> Handshake {
        let secret: [UInt8]
        do { secret = Array(try Data(contentsOf: URL(fileURLWithPath: config.keyFile))) } catch {
            throw ConfigError(file: config.keyFile, key: "--replication-key-file", reason: "\(error.localizedDescription)")
        }
        do { return try Handshake(secret: secret) } catch {
            throw ConfigError(file: config.keyFile, key: "--replication-key-file", reason: "\(error)")
        }
    }

    /// Until the group shuts down; the cancellation that stops the listener is the normal end
    /// (thrown on, it made a SIGTERM of a replicating daemon exit 1).
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await leader.run() }
        } catch is CancellationError {}
    }
}

/// A test hook of the standby tests (issue 26): the leader alters one record on the link.
enum TestOnlyTamper {
    static let environmentVariable = "SOLVENT_TEST_TAMPER_REPLICATION_SEQ"
}
