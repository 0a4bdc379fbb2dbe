import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SolventCore
import SolventStore
import UnixSignals

/// `solvent dashboard`: the read-only risk dashboard (docs/DASHBOARD.md). Reads the log
/// read-only, follows the daemon through `subscribe`, serves pages, a JSON API, server-sent
/// events and its own metrics over HTTP on Hummingbird 2. It never appends.
public struct Dashboard: Sendable {
    public struct Options: Sendable {
        public var dataDirectory: String
        public var socketPath: String?
        public var listen: ListenAddress
        /// The bearer token; required unless `listen` is a loopback address.
        public var token: String?

        public init(dataDirectory: String, socketPath: String?, listen: ListenAddress, token: String?) {
            self.dataDirectory = dataDirectory
            self.socketPath = socketPath
            self.listen = listen
            self.token = token
        }
    }

    public let options: Options
    public let board: RiskBoard
    public let follower: LogFollower
    public let metrics: DashboardMetrics
    let log: EventLog
    let logger: Logger

    /// Opens the log and reads it whole (the board is current when this returns). Refuses a
    /// non-loopback listen without a token.
    public init(options: Options, logger: Logger) throws {
        if !options.listen.isLoopback && options.token == nil {
            throw DashboardError("--listen \(options.listen) is not a loopback address: a --token-file is required")
        }
        self.options = options
        self.logger = logger
        log = try EventLog(directory: options.dataDirectory, readOnly: true)
        board = RiskBoard(rules: log.rules)
        metrics = DashboardMetrics()
        follower = LogFollower(log: log, board: board, socketPath: options.socketPath, logger: logger)
        try follower.catchUpFromLog()
        metrics.reached(seq: board.lastSeqSeen.rawValue)
    }

    /// The router, for the server and for route tests.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: CountingMiddleware(metrics: metrics))
        if let token = options.token { router.add(middleware: TokenMiddleware(token: Array(token.utf8))) }
        DashboardRoutes(board: board, log: log, metrics: metrics).register(on: router)
        return router
    }

    /// The HTTP application serving `router` (this dashboard's own unless a test adds routes).
    public func application(router: Router<BasicRequestContext>? = nil,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router ?? self.router(),
                    configuration: .init(address: .hostname(options.listen.host, port: options.listen.port), serverName: "solvent-dashboard"),
                    onServerRunning: onServerRunning, logger: logger)
    }

    /// Serves and follows until one of `signals` (or cancellation). The follower is listed after
    /// the server, so a graceful shutdown stops it first: it ends every event stream, and the
    /// server then has no open request left to wait for.
    public func run(router: Router<BasicRequestContext>? = nil, signals: [UnixSignal] = [.sigterm, .sigint],
                    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application(router: router, onServerRunning: onServerRunning)),
                       .init(service: FollowerService(follower: follower, metrics: metrics))],
            gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }

    /// Reads a token file: its first line, trimmed; at least 16 characters.
    public static func readToken(file path: String) throws -> String {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DashboardError("--token-file \(path): \(error.localizedDescription)")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard token.count >= 16 else { throw DashboardError("--token-file \(path): the token must be at least 16 characters") }
        return token
    }
}

/// The follower as a service of the application: it runs until shutdown (graceful shutdown
/// cancels it), then ends every SSE stream so the server's graceful shutdown does not wait on them.
struct FollowerService: Service {
    let follower: LogFollower
    let metrics: DashboardMetrics

    func run() async throws {
        let board = follower.board
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await follower.run() }
                    group.addTask {
                        // The gauges, refreshed once a second (a closed stream leaves the board
                        // when its task ends, not when its handler returns).
                        while (try? await Task.sleep(for: .seconds(1))) != nil {
                            metrics.reached(seq: board.lastSeqSeen.rawValue)
                            metrics.sseClients(board.listenerCount)
                        }
                    }
                    // Until shutdown cancels both: without a socket the follower returns at once,
                    // and the service must not (a service that returns stops the whole group).
                    await group.waitForAll()
                }
            }
        } onGracefulShutdown: {
            board.finishListeners()
        }
    }
}

/// Counts every request by its route (the matched pattern, not the raw path, so ids do not
/// multiply the series) and status.
struct CountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: DashboardMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code)
            return response
        } catch let error as HTTPError {
            metrics.request(route: context.endpointPath ?? "unmatched", status: error.status.code)
            throw error
        }
    }
}
