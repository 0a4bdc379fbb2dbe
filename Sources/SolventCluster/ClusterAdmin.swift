/// What `solvent cluster` does (docs/OPERATIONS.md, "A three-node cluster"): read who leads
/// and how far each member's log is, and move leadership away from the leader (switchover).
public struct ClusterAdmin: Sendable {
    public let etcd: EtcdClient
    public let keys: ClusterKeys

    public init(etcd: EtcdClient, cluster: String) {
        self.etcd = etcd
        keys = ClusterKeys(cluster: cluster)
    }

    /// The leader (with its epoch) and every member, in node order.
    public func status() async throws -> (leader: (record: LeaderRecord, epoch: Int64)?, members: [MemberRecord]) {
        let leader = try await etcd.get(keys.leader).flatMap { kv in LeaderRecord.decode(kv.value).map { ($0, kv.createRevision) } }
        let members = try await etcd.getPrefix(keys.membersPrefix).compactMap { MemberRecord.decode($0.value) }
        return (leader, members.sorted { $0.node < $1.node })
    }

    /// A planned switchover: the leader is passed over by the next election (a `switchover`
    /// key on a lease of `holdSeconds`), its leader key is removed (it steps down at once, and
    /// comes back as a standby), and the call waits for the successor. Returns the old leader,
    /// the new one, and how long the hand-over took.
    public func switchover(holdSeconds: Int64 = 30, timeout: Duration = .seconds(30)) async throws -> (from: String, to: String, took: Duration) {
        guard let current = try await etcd.get(keys.leader), let record = LeaderRecord.decode(current.value) else {
            throw EtcdError.malformed("no node leads: nothing to switch over")
        }
        let began = ContinuousClock.now
        let hold = try await etcd.grantLease(ttlSeconds: holdSeconds)
        try await etcd.put(keys.switchover, record.node, lease: hold.id)
        guard try await etcd.deleteIf(keys.leader, createRevision: current.createRevision) else {
            throw EtcdError.malformed("the leader changed meanwhile: nothing done")
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let next = try await etcd.get(keys.leader), let successor = LeaderRecord.decode(next.value) {
                return (record.node, successor.node, ContinuousClock.now - began)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EtcdError.malformed("no successor was elected within \(timeout)")
    }
}
