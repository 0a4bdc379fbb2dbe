import Foundation
import SolventCore
import SolventSim
import SolventStore

/// `solvent bench simulate`: 100k accounts over two days of one-minute candles, written through
/// the journal (the real write path) into a temporary log. The path is the first 2880 candles of
/// Fixtures/prices/btcusdt-2021-05-19-1m-binance-spot.csv (2021-05-18T00:00Z to 2021-05-19T23:59Z,
/// the longest one-minute BTC path, crash of 05-19 included); nothing is concatenated.
public struct SimulateBench {
    let scale: Double

    static let fixture = "Fixtures/prices/btcusdt-2021-05-19-1m-binance-spot.csv"
    static let twoDaysMinutes = 2 * 24 * 60

    var accounts: Int { max(Int(100_000 * scale), 100) }

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        let path = try Self.loadPath(Self.fixturePath()).prefix(Self.twoDaysMinutes)
        var config = SimConfig()
        config.accounts = accounts
        config.seed = 7
        // The workload the bench has always measured (issue 22/21 compare records/s against it):
        // bots that hold, and the first design's parameters (rules 3's defaults liquidate about
        // three times as often here, 1.37 M records instead of 0.66 M).
        config.liquidity = .hold
        config.params = ParamsSet(full: RiskParams(rules: .v2))
        config.market = MarketSetup.marketID(fileName: Self.fixture)
        try withTemporaryDirectory { directory in
            var result: SimResult?
            let seconds = try measureSeconds {
                result = try Self.simulate(path, config, out: directory + "/sim")
            }
            let summary = result!.summary
            report.add(BenchFigure(bench: "simulate.wall", value: seconds, unit: "s",
                                   note: "\(summary.accounts) traders, \(path.candles.count) one-minute candles, \(summary.liquidations) liquidations"))
            report.add(BenchFigure(bench: "simulate", value: Double(summary.records) / seconds, unit: "events/s",
                                   note: "\(summary.records) records (\(summary.inputs) inputs) simulated and written through the journal"))
        }
    }

    /// The same write path as `solvent simulate --out`: a new log, the simulation through its journal.
    static func simulate(_ path: PricePath, _ config: SimConfig, out: String) throws -> SimResult {
        try EventLog.create(directory: out, createdTimeMs: path.startMs, snapshotEvery: Journal.defaultSnapshotEvery)
        let journal = try Journal(directory: out)
        do { return try Simulation(path: path, config: config).run(journal: journal) { _, _ in } } catch {
            throw BenchFailure(message: "simulate: \(error)")
        }
    }

    static func loadPath(_ file: String) throws -> PricePath {
        guard let data = FileManager.default.contents(atPath: file) else { throw BenchFailure(message: "cannot read \(file)") }
        do { return PricePath(candles: try CandleCSV.parse(String(decoding: data, as: UTF8.self))) } catch {
            throw BenchFailure(message: "\(file): \(error)")
        }
    }

    /// The fixture from the working directory, else from the source tree this was built from.
    static func fixturePath() -> String {
        if FileManager.default.fileExists(atPath: fixture) { return fixture }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(fixture).path
    }
}
