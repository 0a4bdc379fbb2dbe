import CoreMetrics
import Foundation
import NIOCore
import Logging
import Synchronization
import SolventCluster
import SolventCore
import SolventProtocol
import SolventReplication
import SolventServer
import SolventStore

/// One node of a cluster led through etcd (docs/REPLICATION.md, "Leadership"). Until it is
/// elected it is a standby: it follows the node holding the leader key (re-deriving every record,
/// `ReplicationStandby`), answers `status` and refuses the rest `not_leader` on its socket
/// (`StandbyServer`), and when the leader key is gone takes part in the election. `standUntilElected`
/// returns the epoch it was elected with; the daemon then opens the log as the writer.
final class ClusterNode: Sendable {
    let cluster: ClusterConfig
    let replication: ReplicationConfig
    let data: String
    let socketPath: String
    let etcd: EtcdClient
    let keys: ClusterKeys
    let keeper: LeaseKeeper
    let handshake: Handshake
    let logger: Logger
    /// What the standby's socket reports, updated as the node follows.
    private let view = Mutex(StandbyView())
    private let keeperTask = Mutex<Task<Void, Never>?>(nil)
    /// How often the leader key is read while following, and candidates re-read.
    static let pollInterval = Duration.milliseconds(200)

    struct StandbyView: Sendable {
        var standby: ReplicationStandby?
        var leader: LeaderRecord?
        var alarm: String?
        var seq: Seq = 0
        /// The standby's log, open for the node's whole time as a standby once it exists.
        var log: EventLog?
    }

    /// The standby's log, handed from one follower to the next (only the election loop's task
    /// touches it); released when the node stops standing by, before it may open the log as
    /// the writer.
    private let kept = KeptStandbyLog()
    /// Subscriptions reading the standby's log, waited out before it is closed.
    private let readers = ReaderCount()

    init(cluster: ClusterConfig, replication: ReplicationConfig, data: String, socketPath: String, handshake: Handshake,
         keeper: LeaseKeeper, logger: Logger) {
        self.cluster = cluster
        self.replication = replication
        self.data = data
        self.socketPath = socketPath
        self.etcd = keeper.etcd
        self.keys = ClusterKeys(cluster: cluster.name)
        self.keeper = keeper
        self.handshake = handshake
        self.logger = logger
    }

    var node: String { replication.node }

    /// Takes a lease in etcd and keeps it alive from now on (`leave` ends it).
    static func join(_ cluster: ClusterConfig, replication: ReplicationConfig, config: DaemonConfig, logger: Logger) async throws -> ClusterNode {
        let handshake = try ReplicationService.handshake(replication)
        let etcd = EtcdClient(endpoints: cluster.etcd)
        let keeper = try await LeaseKeeper.grant(etcd, ttlSeconds: cluster.leaseSeconds, logger: logger)
        let node = ClusterNode(cluster: cluster, replication: replication, data: config.data, socketPath: config.socketPath,
                               handshake: handshake, keeper: keeper, logger: logger)
        node.keeperTask.withLock { $0 = Task { await keeper.run() } }
        logger.info("joined cluster", metadata: ["cluster": "\(cluster.name)", "node": "\(replication.node)", "etcd": "\(cluster.etcd)"])
        return node
    }

    /// Stops renewing and hands the lease back: this node's keys go at once.
    func leave() async {
        keeperTask.withLock { $0?.cancel() }
        await keeper.revoke()
    }

    /// Follows leaders and takes part in elections until this node is elected (its epoch) or
    /// the task is cancelled (nil: a graceful stop while standing by).
    func standUntilElected(listener: ServerOptions.Listener) async throws -> UInt64? {
        view.withLock { $0.seq = Self.durableSeq(data) }
        let server = try await StandbyServer.start(listener, answer: { [self] request in answer(request) },
                                                   subscribe: { [self] from, kinds, write in try await stream(from: from, kinds: kinds, to: write) })
        let epoch: UInt64?
        do { epoch = try await electionLoop() } catch {
            await server.close()
            throw error
        }
        await server.close()
        // Once its subscribers have let go of the standby's log, it closes here, before the
        // writer may open it (one LMDB environment is opened once per process).
        await readers.waitUntilNone()
        kept.log = nil
        view.withLock { $0.log = nil }
        return epoch
    }

    /// Follow whoever leads; campaign when nobody does. After an alarm, neither: the node only
    /// answers on its socket until an operator has looked.
    private func electionLoop() async throws -> UInt64? {
        while !Task.isCancelled {
            do {
                if view.withLock({ $0.alarm != nil }) {
                    try await Task.sleep(for: .seconds(1))
                    continue
                }
                let leader = try await etcd.get(keys.leader)
                if let leader, let record = LeaderRecord.decode(leader.value), record.node != node {
                    try await follow(record, epoch: UInt64(clamping: leader.createRevision))
                } else if let leader {
                    // Left by an earlier run of this node (another lease): nobody leads through it.
                    if leader.lease != keeper.lease.id { _ = try await etcd.deleteIf(keys.leader, createRevision: leader.createRevision) }
                } else if let epoch = try await campaign() {
                    return epoch
                }
            } catch is CancellationError {
                return nil
            } catch {
                logger.warning("cluster: \(error)")
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
        return nil
    }

    // MARK: Following

    /// Follows `leader` until the leader key changes or goes, or this standby stops on an alarm.
    private func follow(_ leader: LeaderRecord, epoch: UInt64) async throws {
        guard let address = MetricsAddress(leader.replication) else {
            logger.error("the leader key names \"\(leader.replication)\", which is not HOST:PORT")
            return
        }
        var options = ReplicationStandby.Options(leaderHost: address.host, leaderPort: address.port, node: node, handshake: handshake,
                                                 dataDirectory: data)
        options.minimumEpoch = epoch
        let standby = try ReplicationStandby(options: options, logger: logger, existing: kept.log)
        try standby.openExisting()
        view.withLock { $0.standby = standby; $0.leader = leader; $0.log = standby.log }
        defer {
            kept.log = standby.standbyLog
            view.withLock { $0.seq = standby.durableSeq; $0.standby = nil; $0.leader = nil; $0.log = standby.log }
        }
        try await publish(.standby, seq: standby.durableSeq)
        logger.info("following", metadata: ["leader": "\(leader.node)", "epoch": "\(epoch)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.runStandby(standby) }
            group.addTask { try await self.watchLeader(epoch: epoch, standby: standby) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func runStandby(_ standby: ReplicationStandby) async throws {
        do {
            try await standby.run()
        } catch {
            // An alarm (a record that does not re-derive) or logs that cannot agree: this node
            // stops following and is never elected; its member key says why, for the operator.
            let reason = "\(error)"
            view.withLock { $0.alarm = reason }
            Gauge(label: "solvent_standby_alarm").record(1)
            logger.critical("standby stopped: \(reason); this node will not be elected")
            try await publish(.standby, seq: standby.durableSeq, alarm: reason)
            try await Task.sleep(for: .seconds(1 << 40))
        }
    }

    /// Returns once the leader key is not the one of `epoch`; publishes the durable seq meanwhile.
    private func watchLeader(epoch: UInt64, standby: ReplicationStandby) async throws {
        var published = standby.durableSeq
        while true {
            try await Task.sleep(for: Self.pollInterval)
            let leader: EtcdKeyValue?
            // etcd unreachable: keep following (an election needs etcd anyway).
            do { leader = try await etcd.get(keys.leader) } catch { continue }
            guard let leader, UInt64(clamping: leader.createRevision) == epoch else { return }
            let seq = standby.durableSeq
            Gauge(label: "solvent_standby_durable_seq").record(Double(seq.rawValue))
            if seq != published, view.withLock({ $0.alarm == nil }) {
                try await publish(.standby, seq: seq)
                published = seq
            }
        }
    }

    // MARK: Elections

    /// One round: publish this node's final seq, wait for every live member to have stopped
    /// following, and take the leader key if this node holds the most records (the lowest
    /// node id among equals). Returns the epoch when it did.
    private func campaign() async throws -> UInt64? {
        let seq = view.withLock { $0.seq }
        try await publish(.candidate, seq: seq)
        try await Task.sleep(for: Self.pollInterval)
        let members = try await etcd.getPrefix(keys.membersPrefix).compactMap { MemberRecord.decode($0.value) }
        let excluded = try await etcd.get(keys.switchover).map(\.value)
        guard Election.winner(members, excluding: excluded) == node else { return nil }
        let leader = LeaderRecord(node: node, replication: replication.listen.description, socket: socketPath)
        let outcome = try await etcd.createIfAbsent(keys.leader, leader.encoded(), lease: keeper.lease.id)
        guard outcome.created else { return nil }
        logger.notice("elected leader", metadata: ["epoch": "\(outcome.revision)", "seq": "\(seq)"])
        return UInt64(clamping: outcome.revision)
    }

    /// Writes this node's member key (on its lease).
    func publish(_ role: MemberRecord.Role, seq: Seq, alarm: String? = nil) async throws {
        let record = MemberRecord(node: node, role: role, seq: seq.rawValue, replication: replication.listen.description,
                                  socket: socketPath, alarm: alarm)
        try await etcd.put(keys.member(node), record.encoded(), lease: keeper.lease.id)
    }

    // MARK: The standby's socket

    /// What the standby reports to systemd (`STATUS=`).
    var standbyStatus: String {
        let state = view.withLock { $0 }
        if let alarm = state.alarm { return "standby STOPPED: \(alarm)" }
        let seq = state.standby?.durableSeq ?? state.seq
        return state.leader.map { "standby of \($0.node); seq=\(seq)" } ?? "standby, no leader yet; seq=\(seq)"
    }

    private func answer(_ request: Request?) -> String {
        let state = view.withLock { $0 }
        if case .account(let id, let at)? = request { return account(id, at: at, log: state.standby?.log ?? state.log) }
        guard case .status? = request else {
            var key: String?
            if case .append(let k, _, _)? = request { key = k }
            if case .appendBatch(let k, _)? = request { key = k }
            return Reply.notLeader(key: key, node: node, leader: state.leader?.node, leaderSocket: state.leader?.socket)
        }
        let log = state.standby?.log ?? state.log
        let head = log?.head
        let rules = log?.rules ?? .current
        return Reply.status(seq: head?.seq ?? state.seq, headHash: head?.hash ?? ChainHead.genesis.hash,
                            timeMs: head?.time ?? 0, rules: rules,
                            cluster: ClusterRole(role: .standby, node: node, leader: state.leader?.node))
    }

    /// `account` from the standby's own log: the state at `at` (or its head), rebuilt from the
    /// nearest snapshot by a checked replay in one read transaction, as the leader answers a past
    /// `at` — up to `snapshotEvery` records per request, the price of keeping the standby's
    /// engine to its link's task.
    private func account(_ id: AccountID, at: Seq?, log: EventLog?) -> String {
        guard let log else {
            return Reply.refused(key: nil, InputError(code: "unknown_account", field: "account", message: "this standby has no log yet"))
        }
        let seq = min(at ?? log.lastSeq, log.lastSeq)
        do {
            guard let view = try log.ledger(at: seq).account(id) else {
                return Reply.refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                          message: "account \(id) does not appear in the log up to seq \(seq)"))
            }
            return Reply.account(view)
        } catch {
            return Reply.refused(key: nil, InputError(code: "read_failed", message: "the state at seq \(seq) could not be rebuilt: \(error)"))
        }
    }

    /// `subscribe` on a standby: the records of its own log from `from` (nil: from its next one),
    /// in chunks as the leader's catch-up reads them, then each new one within about 20 ms of
    /// its arrival (the log is polled: a standby's records come from its link, not a commit of
    /// its own). It ends with the standby's time as one (the node was elected): the subscriber
    /// reconnects to the leader from its next seq.
    private func stream(from: Seq?, kinds: KindFilter, to write: @Sendable (ByteBuffer) async throws -> Void) async throws {
        readers.enter()
        defer { readers.leave() }
        var next = from.map { max($0, 1) }
        while !Task.isCancelled {
            guard let log = view.withLock({ $0.standby?.log ?? $0.log }) else {
                try await Task.sleep(for: .milliseconds(50))  // no log yet (before the first contact)
                continue
            }
            let first = next ?? log.lastSeq + 1
            let chunk = try SubscriptionLines.chunk(log, from: first, kinds: kinds)
            if chunk.lines.readableBytes > 0 { try await write(chunk.lines) }
            next = chunk.nextSeq
            if chunk.reachedHead { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// The durable seq of the log in `directory` (0 when there is none yet), read and closed.
    static func durableSeq(_ directory: String) -> Seq {
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else { return 0 }
        return (try? EventLog(directory: directory, readOnly: true).lastSeq) ?? 0
    }
}


/// `ClusterNode`'s standby log between followers: touched by the election loop's task only.
final class KeptStandbyLog: @unchecked Sendable {
    var log: StandbyLog?
}

/// How many tasks read the standby's log; `waitUntilNone` returns once none does.
final class ReaderCount: Sendable {
    private let count = Mutex(0)

    func enter() { count.withLock { $0 += 1 } }
    func leave() { count.withLock { $0 -= 1 } }

    func waitUntilNone() async {
        while count.withLock({ $0 }) > 0 { try? await Task.sleep(for: .milliseconds(5)) }
    }
}
