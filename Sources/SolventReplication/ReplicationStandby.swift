import Foundation
import Logging
import NIOCore
import NIOPosix
import SolventCore
import SolventStore
import Synchronization

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
        /// The lowest leader epoch followed: in a cluster, the epoch of the leader key the
        /// standby read from etcd; a leader announcing less is a former one, refused.
        public var minimumEpoch: UInt64 = 0

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
    private(set) var standby: StandbyLog? {
        didSet { opened.withLock { $0 = standby?.log } }
    }
    /// `standby`'s log, for readers on other tasks (a cluster node's `status`).
    private let opened = Mutex<EventLog?>(nil)

    /// `existing`: the standby's log as an earlier follower of another leader left it (a cluster
    /// node keeps one open for its whole time as a standby: its subscribers read it, and one
    /// LMDB environment must not be opened twice in a process). What that follower received of a
    /// half-arrived input is dropped: this leader streams from the durable head.
    public init(options: Options, logger: Logger, existing: StandbyLog? = nil) throws {
        self.options = options
        self.logger = logger
        if let existing {
            try existing.truncate(after: existing.durableSeq)
            standby = existing
            opened.withLock { $0 = existing.log }  // no didSet in an initializer
        }
    }

    /// The standby's log, once opened (to hand to the next follower).
    public var standbyLog: StandbyLog? { standby }

    /// The durable seq of the standby's log (0 before the first contact).
    public var durableSeq: Seq { log?.lastSeq ?? 0 }

    /// The standby's log once opened; safe to read from any task (its head is).
    public var log: EventLog? { opened.withLock { $0 } }

    /// The standby's log opened before the first contact, when it exists (a cluster node
    /// reports its durable seq before it follows anyone).
    public func openExisting() throws {
        guard standby == nil, FileManager.default.fileExists(atPath: options.dataDirectory + "/data.mdb") else { return }
        standby = try StandbyLog(directory: options.dataDirectory)
    }

    /// Follows the leader until cancelled (returns) or the alarm (throws `StandbyAlarm`).
    public func run() async throws {
        var backoffMs = options.retryInitialMs
        var failures = 0
        while !Task.isCancelled {
            do {
                try await session { backoffMs = self.options.retryInitialMs; failures = 0 }
                logger.warning("the leader closed the link; reconnecting in \(backoffMs) ms")
            } catch is Diverged {
                // It dropped its records past the fork point and asks again after the first
                // backoff (not at once: a leader that kept saying so would make it spin).
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
            let (standby, seal, epoch) = try await handshake(&reader, outbound)
            var sender = seal
            reader.seal = seal
            connected()
            while let message = try await reader.next() {
                switch message {
                case .records(let records, let headHash, let theirs):
                    guard theirs == epoch else { throw ReplicationError.malformed("records of epoch \(theirs) in a session of epoch \(epoch)") }
                    let durable = try standby.receive(records, headHash: headHash)
                    try await outbound.write(sender.seal(.ack(durable: durable)))
                case .diverged(let common, _):
                    try dropTail(standby, after: common, epoch: epoch)
                    throw Diverged()
                case .refusal(let reason):
                    throw MessageReader.refusal(reason)
                default:
                    throw ReplicationError.malformed("a leader sends records only after the handshake")
                }
            }
        }
    }

    /// Challenge in, hello with our proof out, the leader's proof checked; opens (or creates)
    /// the standby's log with the leader's settings on the first contact.
    private func handshake(_ reader: inout MessageReader, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> (StandbyLog, SessionSeal, UInt64) {
        guard case .challenge(let theirs, let rules, let snapshotEvery, let epoch) = try await reader.expect("challenge") else {
            throw ReplicationError.malformed("expected challenge")
        }
        guard epoch >= options.minimumEpoch else {
            throw ReplicationError.refused("the leader announces epoch \(epoch), older than the leader at epoch \(options.minimumEpoch): a former leader")
        }
        let standby = try open(rules: rules, snapshotEvery: snapshotEvery)
        let nonce = Handshake.nonce()
        let from = standby.nextSeq
        // Probes of what is durable: records received but not appended yet (an input whose
        // derived records had not all arrived when the link dropped) are not in the log, and came
        // from this same leader, which streams on after them.
        let probes = try ChainProbe.of(standby.log, head: standby.durableSeq)
        let proof = options.handshake.prove(Handshake.standbyMessage(leaderNonce: theirs, standbyNonce: nonce, node: options.node,
                                                                     from: from, probes: probes))
        try await outbound.write(LinkChannel.frame(.hello(nonce: nonce, node: options.node, from: from, probes: probes, proof: proof)))
        guard case .welcome(let leader, let leaderProof) = try await reader.expect("welcome") else {
            throw ReplicationError.malformed("expected welcome")
        }
        guard options.handshake.verify(leaderProof, Handshake.leaderMessage(leaderNonce: theirs, standbyNonce: nonce, node: leader)) else {
            throw ReplicationError.unauthenticated("the leader \(leader) did not prove the key")
        }
        logger.info("following leader \(leader) from seq \(from)", metadata: ["epoch": "\(epoch)"])
        return (standby, SessionSeal(handshake: options.handshake, leaderNonce: theirs, standbyNonce: nonce, isLeader: false), epoch)
    }

    /// The leader does not hold this log's records after `common` (this node led before, and
    /// wrote them without any standby acknowledging them when K ≥ 1): they go.
    private func dropTail(_ standby: StandbyLog, after common: Seq, epoch: UInt64) throws {
        let head = standby.durableSeq
        // The cut may fall before `common`, at the start of a whole input.
        let dropped = try standby.truncate(after: common)
        let why = "this node wrote them as leader and no standby acknowledged them (with --sync-replicas ≥ 1, no client was told ok); "
            + "their clients retry them on the leader"
        logger.warning("dropped records \(head.rawValue - UInt64(dropped) + 1)…\(head) (\(dropped)), which the leader of epoch \(epoch) does not hold: \(why)")
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

/// The leader said the logs part (`diverged`); the tail past the common record is dropped and
/// the standby reconnects at once.
struct Diverged: Error {}
