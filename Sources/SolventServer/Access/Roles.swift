/// Who may append what (docs/OPERATIONS.md, "Roles"): a peer matches a role when its uid is one
/// of the role's `uids`, or its primary gid (as `SO_PEERCRED` reports it) or one of its
/// supplementary groups (`PeerCredentials.groups`) is one of its `gids`; it may append the kinds of every role it matches. With no roles
/// at all, anyone who can open the socket may append anything (the socket's 0660 mode is then
/// the only gate). Queries (`status`, `account`) are open to every peer.
public struct Roles: Sendable {
    public struct Role: Sendable, Equatable {
        public var name: String
        public var uids: [UInt32]
        public var gids: [UInt32]
        public var kinds: [KindPattern]

        public init(name: String, uids: [UInt32] = [], gids: [UInt32] = [], kinds: [KindPattern]) {
            self.name = name
            self.uids = uids
            self.gids = gids
            self.kinds = kinds
        }
    }

    public var roles: [Role]

    public init(_ roles: [Role] = []) { self.roles = roles }

    /// What a peer with these credentials may append; nil credentials (not a Unix socket peer)
    /// match no role.
    public func permission(for peer: PeerCredentials?) -> AppendPermission {
        if roles.isEmpty { return .everything }
        guard let peer else { return AppendPermission(patterns: []) }
        let matching = roles.filter { role in
            role.uids.contains(peer.uid) || role.gids.contains(peer.gid) || peer.groups.contains(where: role.gids.contains)
        }
        return AppendPermission(patterns: matching.flatMap(\.kinds))
    }
}
