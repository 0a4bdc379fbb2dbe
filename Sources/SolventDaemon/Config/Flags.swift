/// The command-line flags of SPEC §9 that override the file.
public struct DaemonFlags: Sendable {
    public var data: String?
    public var socket: String?
    public var metrics: String?

    public init(data: String? = nil, socket: String? = nil, metrics: String? = nil) {
        self.data = data
        self.socket = socket
        self.metrics = metrics
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
        return config
    }
}
