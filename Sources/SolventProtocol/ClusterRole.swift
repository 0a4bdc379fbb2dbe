/// A clustered node's place, as `status` reports it (docs/PROTOCOL.md "status", issue 26):
/// `"role":"leader"` or `"standby"`, this node's id and the leader's.
public struct ClusterRole: Sendable, Equatable {
    public enum Role: String, Sendable {
        case leader, standby
    }

    public var role: Role
    public var node: String
    /// The leader's node id; nil while none is known (an election is running).
    public var leader: String?

    public init(role: Role, node: String, leader: String?) {
        self.role = role
        self.node = node
        self.leader = leader
    }
}
