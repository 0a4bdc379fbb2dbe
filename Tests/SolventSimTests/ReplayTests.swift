import Foundation
import SolventAudit
import SolventCore
import SolventSim
import SolventStore
import Testing

/// The auditor's replay (issue 9) on a simulated log: every liquidation the simulation caused
/// re-derives byte for byte from the log alone.
@Suite struct ReplayTests {
    @Test func everySimulatedLiquidationReplaysToReproduced() throws {
        // 2020-03-12 10:00Z to 11:30Z, the steepest 90 minutes of the recorded path.
        let all = try SimSupport.candles("btcusdt-2020-03-12-5m-binance-spot-partial.csv")
        let path = PricePath(candles: Array(all[120..<138]))
        // Snapshots (and state roots) every 500 records, so each replay starts close to its liquidation.
        let (result, directory) = try SimSupport.runWithLog(Simulation(path: path, config: SimSupport.config(accounts: 80)),
                                                            snapshotEvery: 500)
        let ids = try SimSupport.records(directory).compactMap { record -> Seq? in
            if case .liquidationStarted(let p) = record.event { return p.liquidation }
            return nil
        }
        #expect(ids.count == result.summary.liquidations)
        #expect(ids.count > 20)
        let log = try AuditLog(directory: directory)
        for id in ids {
            let replay = try LiquidationReplay.run(id, in: log)
            #expect(replay.verdict == "reproduced", "liquidation \(id): \(String(describing: replay.mismatch))")
        }
    }
}
