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
    /// Leadership through etcd: its client URLs (comma-separated), the cluster's name, the lease TTL.
    public var clusterEtcd: String?
    public var cluster: String?
    public var clusterLeaseSeconds: Int64?

    public init(data: String? = nil, socket: String? = nil, metrics: String? = nil,
                replicationListen: String? = nil, replicationKeyFile: String? = nil, node: String? = nil, syncReplicas: Int? = nil,
                clusterEtcd: String? = nil, cluster: String? = nil, clusterLeaseSeconds: Int64? = nil) {
        self.syncReplicas = syncReplicas
        self.clusterEtcd = clusterEtcd
        self.cluster = cluster
        self.clusterLeaseSeconds = clusterLeaseSeconds
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
        config.cluster = try Self.cluster(flags, replication: config.replication)
        return config
    }

    private static func cluster(_ flags: DaemonFlags, replication: ReplicationConfig?) throws(ConfigError) -> ClusterConfig? {
        guard let etcd = flags.clusterEtcd else {
            if flags.cluster != nil || flags.clusterLeaseSeconds != nil {
                throw ConfigError(file: "command line", key: flags.cluster != nil ? "--cluster" : "--cluster-lease-seconds", reason: "only with --cluster-etcd")
            }
            return nil
        }
        let endpoints = etcd.split(separator: ",").map { String($0) }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw ConfigError(file: "command line", key: "--cluster-etcd", reason: "\"\(etcd)\" is not a comma-separated list of http:// URLs")
        }
        guard let name = flags.cluster, !name.isEmpty, !name.contains("/") else {
            throw ConfigError(file: "command line", key: "--cluster", reason: "a cluster needs a name without \"/\"")
        }
        guard let replication, flags.node != nil else {
            throw ConfigError(file: "command line", key: replication == nil ? "--replication-listen" : "--node",
                              reason: "every node of a cluster serves the replication link (--replication-listen, --replication-key-file) under its own --node")
        }
        guard !["0.0.0.0", "::"].contains(replication.listen.host) else {
            throw ConfigError(file: "command line", key: "--replication-listen",
                              reason: "in a cluster the address is published for the others to connect to: name the node's own address, not \(replication.listen.host)")
        }
        let lease = flags.clusterLeaseSeconds ?? ClusterConfig.defaultLeaseSeconds
        guard (2...60).contains(lease) else {
            throw ConfigError(file: "command line", key: "--cluster-lease-seconds", reason: "\(lease): from 2 to 60 seconds")
        }
        return ClusterConfig(etcd: endpoints, name: name, leaseSeconds: lease)
    }
}
