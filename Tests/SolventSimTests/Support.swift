import Foundation
import SolventCore
import SolventSim
import SolventStore
import Testing

/// Fixture paths and log helpers shared by the simulation tests.
enum SimSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fixture(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func candles(_ name: String) throws -> [Candle] {
        try CandleCSV.parse(String(contentsOfFile: fixture("Fixtures/prices/" + name), encoding: .utf8))
    }

    /// 2020-03-12 08:00Z to 12:00Z of the recorded BTC 5m path: the first leg of Black Thursday
    /// (7,4xx to the 5,550 low at 10:45Z). Recorded candles, only a window of them.
    static func blackThursdayMorning() throws -> PricePath {
        let all = try candles("btcusdt-2020-03-12-5m-binance-spot-partial.csv")
        return PricePath(candles: Array(all[96..<144]))
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "solvent-sim-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `simulation` writing its log into a fresh directory; returns the result and directory.
    static func runWithLog(_ simulation: Simulation, snapshotEvery: UInt64? = nil) throws -> (SimResult, String) {
        let directory = try temporaryDirectory() + "/log"
        try EventLog.create(directory: directory, createdTimeMs: simulation.path.startMs, snapshotEvery: snapshotEvery)
        let journal = try Journal(directory: directory)
        return (try simulation.run(journal: journal), directory)
    }

    /// Every record's canonical bytes, in seq order.
    static func recordBytes(_ directory: String) throws -> [[UInt8]] {
        let log = try EventLog(directory: directory)
        var all: [[UInt8]] = []
        try log.read { reader in try reader.forEach { all.append(Array($0.bytes)); return true } }
        return all
    }

    static func records(_ directory: String) throws -> [Record] {
        try recordBytes(directory).map { try RecordCodec.decode($0) }
    }

    static func config(accounts: Int, seed: UInt64 = 7) -> SimConfig {
        var config = SimConfig()
        config.accounts = accounts
        config.seed = seed
        config.market = MarketID(valid: "BTCUSDT-PERP")
        return config
    }
}
