import ArgumentParser
import Logging
import ServiceLifecycle
import SolventBot
import SolventBotPolicy
import SolventCore

struct BotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot",
        abstract: "A reference liquidation bidder (a keeper) on a running daemon's socket.",
        discussion: """
            Subscribes to auction.*, oracle.*, market.*, params.set and clock, follows each running \
            auction's curve and bids (auction.bid) when its price is at least --discount better than \
            the mark: buying from a falling auction at <= mark x (1 - discount), selling into a \
            rising one at >= mark x (1 + discount), as much as its account can carry (available and \
            IM, per the account query) and at most --max-notional per bid. Logs every decision on \
            standard error, one line each. Reconnects with backoff and resumes after the last seq \
            seen; exits cleanly on SIGINT or SIGTERM. See docs/BOTS.md.
            """
    )

    @Option(help: "The daemon's Unix socket.") var socket = "./solvent-data/solventd.sock"
    @Option(help: "The bot's account (it must hold a deposit to bid).") var account: String
    @Option(help: "Discount against the mark the bot wants, a fraction (0.02 = 2%).") var discount = "0.02"
    @Option(help: "Largest notional of one bid (qty x auction price); default: capital alone bounds it.")
    var maxNotional: String?
    @Option(help: "Log time (ms) after an auction starts or resets before the bot first bids on it.")
    var reactionMs: Int64 = 0
    @Option(help: "First seq to read on the first connection (it learns markets and marks from what it reads).")
    var from: UInt64 = 1
    @Option(help: "trace, debug, info, notice, warning, error or critical (debug shows repeated skips).")
    var logLevel = "info"

    func validate() throws {
        _ = try config()
        if from == 0 { throw ValidationError("--from is a seq, 1 or more") }
        if reactionMs < 0 { throw ValidationError("--reaction-ms must not be negative") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel) is not a swift-log level") }
    }

    func config() throws -> BotConfig {
        let id: AccountID
        do { id = try AccountID(account) } catch { throw ValidationError("--account \(account): \(error)") }
        let rate: Rate
        do { rate = try Rate(parsing: discount, allowNegative: false) } catch { throw ValidationError("--discount \(discount): \(error)") }
        guard rate < .one else { throw ValidationError("--discount must be below 1") }
        var cap: Money?
        if let maxNotional {
            do { cap = try Money(parsing: maxNotional, allowNegative: false) } catch {
                throw ValidationError("--max-notional \(maxNotional): \(error)")
            }
            guard cap!.isPositive else { throw ValidationError("--max-notional must be greater than 0") }
        }
        return BotConfig(account: id, discount: rate, maxNotional: cap, reactionMs: reactionMs)
    }

    func run() async throws {
        var logger = Logger(label: "solvent.bot") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let runner = BotRunner(options: BotOptions(socketPath: socket, config: try config(), fromSeq: Seq(from)), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: BotService(runner: runner), successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The bot under ServiceLifecycle: SIGINT or SIGTERM cancels its loop, which closes its
/// connections and returns; nothing it sent is left half-done (an append is answered or not).
struct BotService: Service, @unchecked Sendable {
    // The runner is used by this service's task alone.
    let runner: BotRunner

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.runner.run() }
    }
}
