import Logging
import SolventServer

/// Everything `solventd` is configured with (docs/OPERATIONS.md, "Configuration"): the defaults,
/// overlaid by the configuration file, overlaid by the command-line flags.
public struct DaemonConfig: Sendable, Equatable {
    /// The log's LMDB environment.
    public var data = "./solvent-data"
    /// The Unix socket; nil means `<data>/solventd.sock`. Ignored under socket activation.
    public var socket: String?
    /// `HOST:PORT` of the Prometheus endpoint; nil serves no metrics.
    public var metrics: MetricsAddress?
    /// How often a `clock` input is offered to the engine; 0 turns the clock off.
    public var clockIntervalMs: UInt64 = 1_000
    /// Overrides the log's snapshot interval (nil: what `solvent init` stored, else 100,000).
    public var snapshotEvery: UInt64?
    public var logLevel: Logger.Level = .info
    /// Who may append which kinds; empty: anyone who can open the socket may append anything.
    public var roles: [Roles.Role] = []
    /// Connections served at once; more are refused `too_many_connections`.
    public var maxConnections = ServerOptions.defaultMaxConnections
    /// Records a live subscriber may leave unread before it is cut off with `slow_subscriber`.
    public var subscriberBacklogRecords = SubscriptionHub.defaultBacklogRecords
    /// Seconds a connection's socket may stay unwritable (its peer reads nothing) before it is
    /// closed; 0 never closes one.
    public var stalledWriteSeconds = ServerOptions.defaultStalledWriteSeconds
    /// Microseconds the committer may wait, after a group that answered several connections,
    /// for as many requests before committing the next; 0 never waits.
    public var commitDelayUs = ServerOptions.defaultCommitDelayUs

    public init() {}

    /// The socket path in effect.
    /// The replication link's listener, when this daemon serves standbys (command line only).
    public var replication: ReplicationConfig?
    /// Leadership through etcd (command line only): every node of the cluster runs alike, and
    /// the one holding the leader key writes (docs/REPLICATION.md, "Leadership").
    public var cluster: ClusterConfig?

    public var socketPath: String { socket ?? (data.hasSuffix("/") ? data : data + "/") + "solventd.sock" }

    /// The configuration keys, for the unknown-key error.
    static let keys = ["data", "socket", "metrics", "clockIntervalMs", "snapshotEvery", "logLevel", "roles", "maxConnections",
                       "subscriberBacklogRecords", "stalledWriteSeconds", "commitDelayUs"]
}

/// `HOST:PORT` of the metrics endpoint.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `HOST:PORT` (`[::1]:9464` for an IPv6 literal); nil when malformed.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A bad configuration: the file, the line, the key and why.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var key: String?
    public var reason: String

    public init(file: String, line: Int? = nil, key: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let key { place += ": key \(key)" }
        return "\(place): \(reason)"
    }
}

/// Where a leader serves its standbys (docs/REPLICATION.md).
public struct ReplicationConfig: Sendable, Equatable {
    public var listen: MetricsAddress
    public var keyFile: String
    public var node: String
    /// Standbys that must hold a group durably before it is acknowledged (0: none).
    public var syncReplicas: Int
}

/// A node of a cluster led through etcd (`--cluster-etcd`, `--cluster`; docs/REPLICATION.md).
public struct ClusterConfig: Sendable, Equatable {
    /// etcd's client URLs, tried in turn.
    public var etcd: [String]
    /// The cluster's name: its keys are under `/solvent/<name>/`.
    public var name: String
    /// The lease TTL: a dead leader is replaced within it (plus an election of about a second);
    /// a leader that cannot renew it stops acknowledging `ClusterConfig.fenceMarginSeconds` before.
    public var leaseSeconds: Int64
    public static let defaultLeaseSeconds: Int64 = 5
}
