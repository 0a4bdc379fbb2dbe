/// Who may take the leader key (docs/REPLICATION.md, "Elections").
public enum Election {
    /// The member holding the most records among the live ones, the lowest node id among equals;
    /// nil while any member still follows (its seq may still grow) or leads (it is stepping
    /// down). A member whose log stopped on an alarm, and the node a switchover moves away from,
    /// are never chosen.
    public static func winner(_ members: [MemberRecord], excluding: String?) -> String? {
        guard members.allSatisfy({ $0.role == .candidate || $0.alarm != nil }) else { return nil }
        let eligible = members.filter { $0.alarm == nil && $0.node != excluding }
        return eligible.max { ($0.seq, $1.node) < ($1.seq, $0.node) }?.node
    }
}
