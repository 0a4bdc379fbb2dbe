import NIOCore
import SolventProtocol

/// How a `SolventServer` listens and what it adds around the committer.
public struct ServerOptions: Sendable {
    /// Where connections come from.
    public enum Listener: Sendable, Equatable {
        /// Bind a Unix socket at this path (a stale file there is replaced; mode 0660).
        case path(String)
        /// A Unix stream socket already bound and listening, e.g. passed by systemd's socket
        /// activation (`LISTEN_FDS`); its mode and owner are the unit's business.
        case descriptor(Int32)
    }

    /// Overrides the log's `snapshotEvery` (nil: what `init` stored, else 100,000).
    public var snapshotEvery: UInt64?
    /// Who may append what; no roles means anyone who can connect may append anything.
    public var roles: Roles
    /// Told about every committed group (metrics).
    public var observer: (any CommitObserver)?
    /// Semi-synchronous acks: a committed group is answered only once this gate lets it
    /// (docs/REPLICATION.md); nil answers at the group's own fsync.
    public var replicationGate: (any ReplicationGate)?
    /// A clustered leader's role, which `status` reports (nil: a lone daemon).
    public var clusterRole: ClusterRole?
    /// Records a live subscriber may leave unread before it is disconnected (`slow_subscriber`).
    public var subscriberBacklogRecords = SubscriptionHub.defaultBacklogRecords
    /// Runs the connections on this group (left running at shutdown) instead of one of their own.
    public var eventLoopGroup: (any EventLoopGroup)?
    /// Caps the LMDB map (a disk-full stand-in): appends past it are refused `storage_full`.
    public var maxMapSizeBytes = 1 << 40
    /// Connections served at once; one more is answered `too_many_connections` and closed, so
    /// a flood of connections costs a refusal each, not a file descriptor and buffers each.
    public var maxConnections = ServerOptions.defaultMaxConnections
    /// A connection whose socket stays unwritable this long (its peer reads none of its replies
    /// or records) is closed; 0 never closes one.
    public var stalledWriteSeconds = ServerOptions.defaultStalledWriteSeconds
    /// After a group commit that answered several connections, the most the committer waits
    /// for as many requests to arrive before it commits the next (microseconds, at most
    /// `maxCommitDelayUs`); 0 commits whatever is pending at once (docs/PROTOCOL.md, "Group commit").
    public var commitDelayUs = ServerOptions.defaultCommitDelayUs

    public static let defaultMaxConnections = 4_096
    public static let defaultStalledWriteSeconds = 30
    public static let defaultCommitDelayUs = GroupCommitWindow.defaultDelayUs
    public static let maxCommitDelayUs = GroupCommitWindow.maxDelayUs

    public init(snapshotEvery: UInt64? = nil, roles: Roles = Roles(), observer: (any CommitObserver)? = nil) {
        self.snapshotEvery = snapshotEvery
        self.roles = roles
        self.observer = observer
    }
}
