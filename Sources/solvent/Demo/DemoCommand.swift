import ArgumentParser
import Foundation
import SolventCore
import SolventSim

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A live demo: solventd, a seeded leveraged population and bidding bots through a real crash day.",
        discussion: """
            Starts solventd on a fresh data directory, lists a market, opens a seeded population of \
            leveraged accounts (the generator of `solvent simulate`), starts `solvent bot` processes \
            with different discounts and capital, and plays a recorded crash day through the socket \
            as oracle prices with clock ticks between them, at --speed times real time. On a terminal \
            it shows a live view; otherwise one line per minute of market time. At the end it stops \
            the bots and the daemon and prints the commands that audit what happened.
            """
    )

    static let defaultPrices = "Fixtures/prices/btcusdt-perp-2020-03-12-1h-binance-usdm.csv"

    @Option(help: "Price path CSV (default: Black Thursday 2020-03-12, Binance BTCUSDT perpetual, 1h).") var prices: String?
    @Option(help: "Market time per unit of real time.") var speed = 1_000.0
    @Option(help: "Leveraged traders (longs and shorts in pairs).") var accounts = 2_000
    @Option(help: "Bidding bots (solvent bot processes), 0 to 5.") var bots = 3
    @Option(help: "Seed of the population.") var seed: UInt64 = 1
    @Option(help: "Play only the first M minutes of the path.") var minutes: Int?
    @Option(help: "Risk parameters sent as params.set (JSON in the shape of `solvent params --json`).") var params: String?
    @Option(help: "Data directory to create (default: a new temporary one); must not exist or be empty.") var data: String?

    func validate() throws {
        guard speed >= 1, speed.isFinite else { throw ValidationError("--speed must be at least 1") }
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2") }
        guard (0...5).contains(bots) else { throw ValidationError("--bots must be 0 to 5") }
        if let minutes, minutes < 1 { throw ValidationError("--minutes must be at least 1") }
    }

    func run() async throws {
        let pricesFile = try Self.locatePrices(prices)
        let path = try SimulateCommand.loadPath(pricesFile)
        let plan = DemoPlan(path: path, fileName: (pricesFile as NSString).lastPathComponent, accounts: accounts,
                            bots: bots, seed: seed, minutes: minutes, params: try params.map(SimulateCommand.loadParams))
        let directory = try Self.makeDirectory(data)
        print("data directory: \(directory)")
        let children = DemoChildren()
        children.trapSignals {
            DemoView.restoreTerminal()
            FileHandle.standardError.write(Data("\nsolvent demo: interrupted; stopping the bots and solventd (the log stays in \(directory))\n".utf8))
        }
        let session = DemoSession(plan: plan, speed: speed, directory: directory, children: children)
        do {
            try await session.run()
        } catch {
            // The handler exits the process once the children are stopped.
            while children.wasInterrupted { try? await Task.sleep(for: .seconds(1)) }
            DemoView.restoreTerminal()
            children.stopAll()
            printError("\(error)")
            printError("stopped the bots and solventd; the data directory and the daemon's log stay in \(directory)")
            throw ExitCode.failure
        }
    }

    /// `--prices`, else the default fixture from the working directory or above the executable
    /// (`.build/release/solvent` sits three levels under the repository).
    static func locatePrices(_ given: String?) throws -> String {
        if let given { return given }
        var candidates = [defaultPrices]
        var directory = URL(fileURLWithPath: DemoSession.ownExecutable()).deletingLastPathComponent()
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent(defaultPrices).path)
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw CommandFailure(message: "cannot find \(defaultPrices); give --prices CSV")
        }
        return found
    }

    /// A new temporary directory under /tmp (short: the socket path inside it must fit in 107
    /// bytes), or `given` when it does not exist or is empty.
    static func makeDirectory(_ given: String?) throws -> String {
        if let given {
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: given)) ?? []
            guard existing.isEmpty else { throw CommandFailure(message: "--data \(given) is not empty; the demo needs a fresh directory") }
            try FileManager.default.createDirectory(atPath: given, withIntermediateDirectories: true)
            return URL(fileURLWithPath: given).standardizedFileURL.path
        }
        var template = Array("/tmp/solvent-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure(message: "cannot create a temporary directory: errno \(errno)") }
        return String(cString: made)
    }
}
