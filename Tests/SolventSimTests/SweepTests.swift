import Foundation
import SolventCore
import SolventSim
import Testing

/// `solvent stress`: a sweep is its runs, each made alone, in a fixed order.
@Suite struct SweepTests {
    static let file = "Fixtures/logs/rules-1/btcusdt-2020-03-12-0835-3h-5m.csv"

    static func prices() throws -> [Sweep.Prices] {
        let text = try String(contentsOfFile: SimSupport.fixture(file), encoding: .utf8)
        return [Sweep.Prices(name: "btcusdt-2020-03-12-0835-3h-5m", path: PricePath(candles: try CandleCSV.parse(text)),
                             market: MarketSetup.marketID(fileName: file))]
    }

    /// Given out of order on purpose: the table sorts by file, params, seed.
    static func params() throws -> [Sweep.Params] {
        [Sweep.Params(name: "low-fee", params: try ParamsFixtureTests.load("low-fee")),
         Sweep.Params(name: "default", params: ParamsSet())]
    }

    static func base() -> SimConfig {
        var config = SimConfig()
        config.accounts = 200
        return config
    }

    static func sweep(jobs: Int) async throws -> [Sweep.Row] {
        try await Sweep.run(prices: try prices(), params: try params(), seeds: [2, 1], base: base(), jobs: jobs)
    }

    @Test func tableEqualsTheRunsMadeAlone() async throws {
        let rows = try await Self.sweep(jobs: 2)
        #expect(rows.map { "\($0.params)/\($0.seed)" } == ["default/1", "default/2", "low-fee/1", "low-fee/2"])
        let path = try Self.prices()[0].path
        let sets = Dictionary(uniqueKeysWithValues: try Self.params().map { ($0.name, $0.params) })
        for row in rows {
            var config = Self.base()
            config.seed = row.seed
            config.market = MarketSetup.marketID(fileName: Self.file)
            config.params = sets[row.params]!
            let alone = try Simulation(path: path, config: config).run().summary
            #expect(row.summary == alone)
            #expect(row.file == "btcusdt-2020-03-12-0835-3h-5m")
            // The table's figures are the summary's, plus the ADL share.
            let figures = Dictionary(uniqueKeysWithValues: alone.figures.map { ($0.key, $0.value) })
            for (key, value) in row.figures where key != "adlShare" { #expect(figures[key] == value, "\(key)") }
            let share = row.figures.first { $0.key == "adlShare" }!.value
            let expected = alone.liquidatedNotional.raw == 0 ? 0 : Double(alone.adlNotional.raw) / Double(alone.liquidatedNotional.raw)
            if case .number(let text) = share { #expect(abs(Double(text)! - expected) < 0.00005) } else { Issue.record("adlShare") }
        }
        // The runs differ (seeds and params matter), so equal rows are not a coincidence.
        #expect(Set(rows.map(\.summary.records)).count == rows.count)
        #expect(rows.contains { $0.summary.liquidations > 0 })
    }

    @Test func orderIsTheSameWithOneJobOrTwo() async throws {
        let one = try await Self.sweep(jobs: 1)
        let two = try await Self.sweep(jobs: 2)
        #expect(one == two)
        #expect(SweepReport.text(one) == SweepReport.text(two))
        #expect(JSONWriter.string(SweepReport.json(one)) == JSONWriter.string(SweepReport.json(two)))
        guard case .array(let objects) = SweepReport.json(one), case .object(let first) = objects[0] else {
            Issue.record("json shape")
            return
        }
        #expect(Array(first.prefix(4).map(\.key)) == ["file", "seed", "params", "liquidations"])
        #expect(SweepReport.page(title: "t", rows: one).components(separatedBy: "<svg").count - 1 == Sweep.figureKeys.count)
    }
}
