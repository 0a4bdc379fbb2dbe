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

    public init(snapshotEvery: UInt64? = nil, roles: Roles = Roles(), observer: (any CommitObserver)? = nil) {
        self.snapshotEvery = snapshotEvery
        self.roles = roles
        self.observer = observer
    }
}
