import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SolventReplication

struct StandbyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standby",
        abstract: "Keep a standby's copy of a leader's log, re-deriving every record (docs/REPLICATION.md).",
        discussion: """
            Connects to a solventd started with --replication-listen, proves the pre-shared key and \
            checks the leader's proof, then appends every record the leader has committed after \
            this log's last one into --data (created with the leader's rules on first contact), \
            each checked against this log's own chain and re-derived by this engine first. \
            Reconnects with backoff when the link is lost. A record that does not re-derive or \
            does not continue the chain stops it with exit code 3, naming the seq: nothing from \
            that record on is appended.
            """
    )

    @OptionGroup var options: DataOptions
    @Option(help: "The leader's replication listener, HOST:PORT.") var leader: String
    @Option(help: "File whose bytes (at least 32) are the link's pre-shared key.") var keyFile: String
    @Option(help: "This standby's node id.") var node = "standby-1"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        _ = try address()
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel) is not a swift-log level") }
    }

    private func address() throws -> (host: String, port: Int) {
        guard let colon = leader.lastIndex(of: ":"), let port = Int(leader[leader.index(after: colon)...]), (1...65_535).contains(port) else {
            throw ValidationError("--leader \(leader): expected HOST:PORT")
        }
        return (String(leader[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func run() async throws {
        var logger = Logger(label: "solvent.standby") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let handshake: Handshake
        do { handshake = try Handshake(secret: Array(try Data(contentsOf: URL(fileURLWithPath: keyFile)))) } catch {
            throw CommandFailure(message: "--key-file \(keyFile): \(error)")
        }
        let (host, port) = try address()
        let standby = try ReplicationStandby(options: .init(leaderHost: host, leaderPort: port, node: node, handshake: handshake,
                                                        dataDirectory: options.data), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: StandbyService(standby: standby), successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            // The service's own error, under the group's wrapping.
            let text = "\(error)"
            FileHandle.standardError.write(Data("solvent standby: stopped at seq \(standby.durableSeq): \(text.prefix(2_000))\n".utf8))
            throw ExitCode(text.contains("standby stopped at seq") ? 3 : 1)
        }
    }
}

/// The standby under ServiceLifecycle: SIGINT or SIGTERM cancels it between records.
struct StandbyService: Service {
    let standby: ReplicationStandby

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await standby.run() }
    }
}
