import Foundation

/// The etcd keys of a cluster (docs/REPLICATION.md, "Leadership"), all under `/solvent/<name>/`
/// and all attached to their node's lease, so that a node that dies leaves none behind once its
/// lease expires.
public struct ClusterKeys: Sendable {
    public let prefix: String

    public init(cluster: String) { prefix = "/solvent/\(cluster)/" }

    /// Held by the leader; its create revision is the leader's epoch.
    public var leader: String { prefix + "leader" }
    public var membersPrefix: String { prefix + "members/" }
    /// Set by `solvent cluster switchover` (on a short lease): the node it moves leadership
    /// away from, which the next election passes over.
    public var switchover: String { prefix + "switchover" }
    public func member(_ node: String) -> String { membersPrefix + node }
}

/// What the leader key holds: who leads, and where its standbys connect.
public struct LeaderRecord: Codable, Sendable, Equatable {
    public var node: String
    /// `HOST:PORT` of its replication listener.
    public var replication: String
    /// Its Unix socket (for clients on its machine; a `not_leader` names it).
    public var socket: String

    public init(node: String, replication: String, socket: String) {
        self.node = node
        self.replication = replication
        self.socket = socket
    }
}

/// What a member key holds: the node's role and durable seq, which elections compare.
public struct MemberRecord: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        case leader, standby
        /// Not following anyone: its `seq` is final until a leader is chosen.
        case candidate
    }

    public var node: String
    public var role: Role
    public var seq: UInt64
    public var replication: String
    public var socket: String
    /// Set when a standby's log stopped (a record that did not re-derive): never elected.
    public var alarm: String?

    public init(node: String, role: Role, seq: UInt64, replication: String, socket: String, alarm: String? = nil) {
        self.node = node
        self.role = role
        self.seq = seq
        self.replication = replication
        self.socket = socket
        self.alarm = alarm
    }

    public func encoded() -> String { (try? JSONEncoder.sorted.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    public static func decode(_ text: String) -> MemberRecord? { try? JSONDecoder().decode(MemberRecord.self, from: Data(text.utf8)) }
}

extension LeaderRecord {
    public func encoded() -> String { (try? JSONEncoder.sorted.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    public static func decode(_ text: String) -> LeaderRecord? { try? JSONDecoder().decode(LeaderRecord.self, from: Data(text.utf8)) }
}

extension JSONEncoder {
    /// Keys sorted: a record's text is the same every time it is written.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
