import Foundation
import Logging
import NIOCore
import NIOPosix
import SolventCore
import SolventStore

/// The standby's end of the replication link (docs/REPLICATION.md): connects to its leader,
/// proves the key and checks the leader's proof, asks for the records after its durable seq,
/// checks and re-derives each into its own log (`StandbyLog`) and acknowledges what is durable.
/// A lost link is retried with backoff from the durable seq; a record that does not re-derive or
/// continue the chain ends `run` with the alarm — never a silent divergence.
public final class ReplicationStandby: @unchecked Sendable {
    public struct Options: Sendable {
        public var leaderHost: String
        public var leaderPort: Int
        public var node: String
        public var handshake: Handshake
        public var dataDirectory: String
        public var retryInitialMs: Int64 = 100
        public var retryMaxMs: Int64 = 2_000

        public init(leaderHost: String, leaderPort: Int, node: String, handshake: Handshake, dataDirectory: String) {
            self.leaderHost = leaderHost
            self.leaderPort = leaderPort
            self.node = node
            self.handshake = handshake
            self.dataDirectory = dataDirectory
        }
    }

    let options: Options
    let logger: Logger
    /// Opened on the first contact (a new standby creates its log with the leader's settings).
    private(set) var standby: StandbyLog?

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// The durable seq of the standby's log (0 before the first contact).
    public var durableSeq: Seq { standby?.durableSeq ?? 0 }

    /// Follows the leader until cancelled (returns) or the alarm (throws `StandbyAlarm`).
    public func run() async throws {
        var backoffMs = options.retryInitialMs
        var failures = 0
        while !Task.isCancelled {
            do {
                try await session { backoffMs = self.options.retryInitialMs; failures = 0 }
                logger.warning("the leader closed the link; reconnecting in \(backoffMs) ms")
            } catch let alarm as StandbyAlarm {
                logger.critical("\(alarm)")
                throw alarm
            } catch is CancellationError {
                return
            } catch let refusal as ReplicationError where refusal.isPermanent {
                throw refusal
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let line: Logger.Message = "link to the leader lost (\(error)); reconnecting in \(backoffMs) ms from seq \(durableSeq + 1)"
                if failures == 1 { logger.warning(line) } else { logger.debug(line) }
            }
            do { try await Task.sleep(for: .milliseconds(backoffMs)) } catch { return }
            backoffMs = min(backoffMs * 2, options.retryMaxMs)
        }
    }

    private func session(connected: () -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: options.leaderHost, port: options.leaderPort) { channel in LinkChannel.configure(channel) }
        try await channel.executeThenClose { inbound, outbound in
            var reader = MessageReader(inbound: inbound.makeAsyncIterator())
            let (standby, seal) = try await handshake(&reader, outbound)
            var sender = seal
            reader.seal = seal
            connected()
            while let message = try await reader.next() {
                switch message {
                case .records(let records, let headHash):
                    let durable = try standby.receive(records, headHash: headHash)
                    try await outbound.write(sender.seal(.ack(durable: durable)))
                case .refusal(let reason):
                    throw ReplicationError.refused(reason)
                default:
                    throw ReplicationError.malformed("a leader sends records only after the handshake")
                }
            }
        }
    }

    /// Challenge in, hello with our proof out, the leader's proof checked; opens (or creates)
    /// the standby's log with the leader's settings on the first contact.
    private func handshake(_ reader: inout MessageReader, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> (StandbyLog, SessionSeal) {
        guard case .challenge(let theirs, let rules, let snapshotEvery) = try await reader.expect("challenge") else {
            throw ReplicationError.malformed("expected challenge")
        }
        let standby = try open(rules: rules, snapshotEvery: snapshotEvery)
        let nonce = Handshake.nonce()
        let from = standby.nextSeq
        let proof = options.handshake.prove(Handshake.standbyMessage(leaderNonce: theirs, standbyNonce: nonce, node: options.node, from: from))
        try await outbound.write(LinkChannel.frame(.hello(nonce: nonce, node: options.node, from: from, proof: proof)))
        guard case .welcome(let leader, let leaderProof) = try await reader.expect("welcome") else {
            throw ReplicationError.malformed("expected welcome")
        }
        guard options.handshake.verify(leaderProof, Handshake.leaderMessage(leaderNonce: theirs, standbyNonce: nonce, node: leader)) else {
            throw ReplicationError.unauthenticated("the leader \(leader) did not prove the key")
        }
        logger.info("following leader \(leader) from seq \(from)")
        return (standby, SessionSeal(handshake: options.handshake, leaderNonce: theirs, standbyNonce: nonce, isLeader: false))
    }

    private func open(rules raw: UInt32, snapshotEvery: UInt64) throws -> StandbyLog {
        if let standby { return standby }
        guard let rules = RulesVersion(rawValue: raw) else {
            throw ReplicationError.permanent("the leader's log is written under engine rules \(raw), which this standby does not know")
        }
        let directory = options.dataDirectory
        if !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try EventLog.create(directory: directory, createdTimeMs: TimeMs(Int64(Date().timeIntervalSince1970 * 1_000)),
                                snapshotEvery: snapshotEvery, rules: rules)
        }
        let opened = try StandbyLog(directory: directory)
        guard opened.log.rules == rules, (opened.log.snapshotEvery ?? EventLog.defaultSnapshotEvery) == snapshotEvery else {
            throw ReplicationError.permanent("this standby's log (rules \(opened.log.rules.rawValue), snapshotEvery \(opened.log.snapshotEvery.map { "\($0)" } ?? "default")) is not like the leader's (rules \(raw), snapshotEvery \(snapshotEvery))")
        }
        standby = opened
        return opened
    }
}
