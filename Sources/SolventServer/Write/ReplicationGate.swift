import SolventCore

/// What a leader's durable commit waits for before it answers a group (issue 26, semi-synchronous
/// acks, docs/REPLICATION.md): that enough standbys hold the group's records durably. Called on
/// the thread that committed the group, after its fsync and before any of its answers leave;
/// the writer goes on staging the next group meanwhile. SolventReplication's `AckQuorum` is the
/// implementation; without a gate (`--sync-replicas 0`) a group is answered at its own fsync.
public protocol ReplicationGate: Sendable {
    /// Returns nil once the gate's standbys have acknowledged `seq` durable, or the refusal every
    /// fresh append of the group gets instead of its acknowledgement: a clustered leader whose
    /// lease may have ended (`not_leader`) acknowledges nothing more (fencing, issue 26).
    func waitReplicated(through seq: Seq) -> InputError?
}
