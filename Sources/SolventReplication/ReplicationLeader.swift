import CoreMetrics
import Logging
import NIOCore
import NIOPosix
import Synchronization
import SolventCore
import SolventStore

/// The leader's end of the replication link (docs/REPLICATION.md): a TCP listener whose every
/// connection, once both sides have proved the key, gets the log's stored records from the seq
/// the standby asks for, then every record committed after, as they are committed. It reads
/// the log only; the writer never waits for it.
public final class ReplicationLeader: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var node: String
        public var handshake: Handshake
        /// Told every standby's acknowledgement (semi-synchronous acks when K > 0), and wakes the
        /// streams at each commit.
        public var quorum: AckQuorum
        /// Test only (SOLVENT_TEST_TAMPER_REPLICATION_SEQ): flips one bit of this record's bytes
        /// on the way out, so that a test can see a standby stop.
        public var tamperSeq: Seq?
        /// The etcd revision that made this node leader (0 outside a cluster): in every message.
        public var epoch: UInt64

        public init(host: String, port: Int, node: String, handshake: Handshake, quorum: AckQuorum, epoch: UInt64 = 0, tamperSeq: Seq? = nil) {
            self.quorum = quorum
            self.epoch = epoch
            self.host = host
            self.port = port
            self.node = node
            self.handshake = handshake
            self.tamperSeq = tamperSeq
        }
    }

    let log: EventLog
    let options: Options
    let logger: Logger
    private let server: NIOAsyncChannel<LinkChannel.Async, Never>

    public var port: Int { server.channel.localAddress?.port ?? options.port }

    /// Binds the listener; `run` serves it.
    public init(log: EventLog, options: Options, logger: Logger) async throws {
        self.log = log
        self.options = options
        self.logger = logger
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: options.host, port: options.port) { channel in LinkChannel.configure(channel) }
    }

    /// Serves standbys until cancelled, then closes the listener.
    public func run() async throws {
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.reportLag() }
                for try await connection in inbound {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Each standby's lag in milliseconds every second, so that one that stopped acknowledging
    /// shows its lag growing, not its last value.
    private func reportLag() async {
        while !Task.isCancelled {
            for node in options.quorum.nodes { recordLag(of: node) }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func serve(_ connection: LinkChannel.Async) async {
        let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "?"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var reader = MessageReader(inbound: inbound.makeAsyncIterator())
                let (node, from, probes, seal) = try await handshake(&reader, outbound)
                reader.seal = seal
                if try await refuseDiverged(node: node, from: from, probes: probes, seal: seal, outbound) { return }
                logger.info("standby connected", metadata: ["node": "\(node)", "from": "\(from)", "peer": "\(peer)"])
                // Records go out on a task of their own; this one reads the acks until the
                // standby closes the link, which ends the stream too.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.stream(from: from, seal: seal, outbound) }
                    defer { group.cancelAll() }
                    try await self.readAcks(&reader, node: node)
                }
            }
        } catch is CancellationError {
        } catch {
            logger.warning("standby link closed: \(error)", metadata: ["peer": "\(peer)"])
        }
    }

    /// Challenge, the standby's hello with its proof, then the leader's own proof.
    private func handshake(_ reader: inout MessageReader, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> (String, Seq, [ChainProbe], SessionSeal) {
        let nonce = Handshake.nonce()
        try await outbound.write(LinkChannel.frame(.challenge(nonce: nonce, rules: log.rules.rawValue,
                                                              snapshotEvery: log.snapshotEvery ?? EventLog.defaultSnapshotEvery,
                                                              epoch: options.epoch)))
        guard case .hello(let theirs, let node, let from, let probes, let proof) = try await reader.expect("hello") else {
            throw ReplicationError.malformed("expected hello")
        }
        let message = Handshake.standbyMessage(leaderNonce: nonce, standbyNonce: theirs, node: node, from: from, probes: probes)
        guard options.handshake.verify(proof, message) else {
            try? await outbound.write(LinkChannel.frame(.refusal(MessageReader.unauthenticated + "wrong key")))
            throw ReplicationError.unauthenticated("standby \(node) did not prove the key")
        }
        let mine = options.handshake.prove(Handshake.leaderMessage(leaderNonce: nonce, standbyNonce: theirs, node: options.node))
        try await outbound.write(LinkChannel.frame(.welcome(node: options.node, proof: mine)))
        let seal = SessionSeal(handshake: options.handshake, leaderNonce: nonce, standbyNonce: theirs, isLeader: true)
        return (node, max(from, 1), probes, seal)
    }

    /// Tells a standby whose head is not in this log where the two agree (`diverged`), and
    /// whether it did; a standby that shares not even record 1 is refused for good.
    private func refuseDiverged(node: String, from: Seq, probes: [ChainProbe], seal: SessionSeal,
                                _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
        var seal = seal
        switch try ForkPoint.find(probes, in: log) {
        case .continues:
            return false
        case .parts(let common):
            logger.warning("standby \(node) holds records from \(common + 1) that this log does not: it drops them and follows",
                           metadata: ["node": "\(node)", "standbyHead": "\(from - 1)"])
            try await outbound.write(seal.seal(.diverged(common: common, epoch: options.epoch)))
        case .unrelated:
            try await outbound.write(seal.seal(.refusal(MessageReader.permanent + "the standby's record 1 is not this log's: the logs share nothing")))
        }
        return true
    }

    private func readAcks(_ reader: inout MessageReader, node: String) async throws {
        while let message = try await reader.next() {
            guard case .ack(let durable) = message else { throw ReplicationError.malformed("a standby sends acks only") }
            options.quorum.acknowledge(node: node, durable: durable)
            // Replication lag per standby, in seqs, beside the daemon's own metrics (the global
            // factory solventd bootstraps; a no-op elsewhere).
            Gauge(label: "solvent_replication_acked_seq", dimensions: [("node", node)]).record(Double(durable.rawValue))
            Gauge(label: "solvent_replication_lag_seqs", dimensions: [("node", node)])
                .record(Double(log.lastSeq.rawValue - min(durable.rawValue, log.lastSeq.rawValue)))
            recordLag(of: node)
        }
    }

    private func recordLag(of node: String) {
        if let lag = options.quorum.lagMs(of: node) { Gauge(label: "solvent_replication_lag_ms", dimensions: [("node", node)]).record(lag) }
    }

    /// Stored records from `from` on, in messages of at most 4,096 records and about
    /// `recordsBudgetBytes`, then the new ones as each commit wakes the stream.
    private func stream(from first: Seq, seal: SessionSeal, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        var seal = seal
        var next = first
        var commits = options.quorum.committed.subscribe().makeAsyncIterator()
        while !Task.isCancelled {
            guard log.lastSeq >= next else {
                // Woken by the next commit; a wake-up that came before this wait is kept.
                guard await commits.next() != nil else { return }
                continue
            }
            var (records, headHash) = try log.replicatedBatch(from: next, limit: 4_096, maxBytes: ReplicationMessage.recordsBudgetBytes)
            guard let last = records.last else { continue }
            if let tamper = options.tamperSeq, let index = records.firstIndex(where: { $0.seq == tamper }) {
                records[index].bytes[records[index].bytes.count - 1] ^= 0x01
            }
            try await outbound.write(seal.seal(.records(records, headHash: headHash, epoch: options.epoch)))
            next = last.seq + 1
        }
    }
}
