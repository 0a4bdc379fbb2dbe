import ArgumentParser
import Logging
import SolventDashboard

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "A read-only risk dashboard in the browser: liquidation map, auctions, fund, ADL queue.",
        discussion: """
            Reads the log in --data read-only and, with --socket, follows the daemon live through \
            `subscribe` (reconnecting and catching up from its last seq when the daemon restarts); \
            without a socket it shows the log as it stands. Serves pages, a JSON API under /api/, \
            server-sent events at /events and its own metrics at /metrics. It never appends. A \
            --listen address other than loopback needs --token-file. See docs/DASHBOARD.md.
            """
    )

    @OptionGroup var options: DataOptions
    @Option(help: "The daemon's Unix socket, to follow it live.") var socket: String?
    @Option(help: "HOST:PORT to serve on (port 0 picks a free one).") var listen = "127.0.0.1:8080"
    @Option(help: "A file whose first line is the bearer token (at least 16 characters).") var tokenFile: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        _ = try address()
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel) is not a swift-log level") }
    }

    private func address() throws -> ListenAddress {
        do { return try ListenAddress(listen) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        var logger = Logger(label: "solvent.dashboard") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let token: String?
        do { token = try tokenFile.map(Dashboard.readToken(file:)) } catch { throw CommandFailure(message: "\(error)") }
        let dashboard: Dashboard
        do {
            dashboard = try Dashboard(options: .init(dataDirectory: options.data, socketPath: socket, listen: try address(), token: token),
                                      logger: logger)
        } catch let error as DashboardError {
            throw CommandFailure(message: error.description)
        }
        logger.info("read the log to seq \(dashboard.board.lastSeqSeen); serving on \(listen)\(socket.map { ", following \($0)" } ?? " (no --socket: the log as it stands)")")
        let log = logger
        try await dashboard.run { channel in
            if let port = channel.localAddress?.port { log.info("listening on port \(port)") }
        }
    }
}
