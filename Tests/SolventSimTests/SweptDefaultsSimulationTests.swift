import Foundation
import SolventCore
import SolventSim
import Testing

/// Issue 21: with the defaults (rules 3), a small run on each shipped price file ends with bad
/// debt 0 and the fund never below 0, and liquidations are partial where they can be. The
/// evidence for the defaults themselves is the sweep of docs/CASCADES.md ("Defaults from evidence").
@Suite struct SweptDefaultsSimulationTests {
    static let files = try! FileManager.default.contentsOfDirectory(atPath: SimSupport.fixture("Fixtures/prices"))
        .filter { $0.hasSuffix(".csv") }.sorted()

    @Test func everyShippedDayEndsWithoutBadDebtAndWithTheFundAtOrAboveZero() throws {
        #expect(Self.files.count >= 7)
        var partial = 0
        for file in Self.files {
            var config = SimConfig()
            config.accounts = 400
            config.seed = 1
            config.market = MarketSetup.marketID(fileName: file)
            let result = try Simulation(path: PricePath(candles: try SimSupport.candles(file)), config: config).run()
            let summary = result.summary
            #expect(summary.params == RiskParams(rules: .current), "\(file): the run did not use the defaults")
            #expect(summary.liquidations > 0, "\(file): nothing was liquidated, so nothing was tested")
            #expect(summary.badDebt == .zero, "\(file): bad debt \(summary.badDebt)")
            #expect(summary.insuranceMin >= .zero, "\(file): the fund fell to \(summary.insuranceMin)")
            #expect(summary.insuranceEnd >= .zero)
            partial += summary.partialLiquidations
        }
        // Under rules 2's defaults (minFee 0.5 % above tier 0's 0.4 % MMR) this was 0 or 1.
        #expect(partial > 100, "partial liquidations on the seven days: \(partial)")
    }
}
