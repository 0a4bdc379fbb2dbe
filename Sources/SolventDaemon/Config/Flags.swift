/// The command-line flags of SPEC §9 that override the file.
public struct DaemonFlags: Sendable {
    public var data: String?
    public var socket: String?
    public var metrics: String?
    /// The replication link (docs/REPLICATION.md): HOST:PORT, the pre-shared key's file, this node's id.
    public var replicationListen: String?
    public var replicationKeyFile: String?
    public var node: String?
    /// Semi-synchronous acks: standbys that must hold a group before it is acknowledged.
    public var syncReplicas: Int?

    public init(data: String? = nil, socket: String? = nil, metrics: String? = nil,
                replicationListen: String? = nil, replicationKeyFile: String? = nil, node: String? = nil, syncReplicas: Int? = nil) {
        self.syncReplicas = syncReplicas
        self.data = data
        self.socket = socket
        self.metrics = metrics
        self.replicationListen = replicationListen
        self.replicationKeyFile = replicationKeyFile
        self.node = node
    }
}

extension DaemonConfig {
    /// The defaults, the file at `configFile` if any, then `flags` on top.
    public static func load(configFile: String?, flags: DaemonFlags) throws(ConfigError) -> DaemonConfig {
        var config = DaemonConfig()
        if let configFile { config = try config.overlaid(withFile: configFile) }
        return try config.overlaid(with: flags)
    }

    public func overlaid(with flags: DaemonFlags) throws(ConfigError) -> DaemonConfig {
        var config = self
        if let data = flags.data { config.data = data }
        if let socket = flags.socket { config.socket = socket }
        if let text = flags.metrics {
            guard let address = MetricsAddress(text) else {
                throw ConfigError(file: "command line", key: "--metrics", reason: "\"\(text)\" is not HOST:PORT")
            }
            config.metrics = address
        }
        if let text = flags.replicationListen {
            guard let address = MetricsAddress(text) else {
                throw ConfigError(file: "command line", key: "--replication-listen", reason: "\"\(text)\" is not HOST:PORT")
            }
            guard let keyFile = flags.replicationKeyFile else {
                throw ConfigError(file: "command line", key: "--replication-key-file",
                                  reason: "--replication-listen needs the pre-shared key's file (at least 32 bytes)")
            }
            let k = flags.syncReplicas ?? 0
            guard (0...16).contains(k) else {
                throw ConfigError(file: "command line", key: "--sync-replicas", reason: "\(k): from 0 to 16 standbys")
            }
            config.replication = ReplicationConfig(listen: address, keyFile: keyFile, node: flags.node ?? "node-1", syncReplicas: k)
        } else if flags.replicationKeyFile != nil || (flags.syncReplicas ?? 0) > 0 {
            throw ConfigError(file: "command line", key: flags.replicationKeyFile != nil ? "--replication-key-file" : "--sync-replicas",
                              reason: "only with --replication-listen")
        }
        return config
    }
}
