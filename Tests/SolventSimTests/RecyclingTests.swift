import Foundation
import SolventCore
import SolventSim
import SolventStore
import Testing

/// Issue 21, liquidity that recycles: bots unwind their fills to their hedge accounts over the
/// holding horizon (docs/CASCADES.md "Liquidity that recycles").
@Suite struct RecyclingTests {
    @Test func recyclingRunIsDeterministic() throws {
        let path = try SimSupport.blackThursdayMorning()
        let config = SimSupport.config(accounts: 300)
        #expect(config.liquidity == .recycle(horizonMs: 600_000))
        let (first, a) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        let (second, b) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        #expect(first.summary.botUnwoundNotional.isPositive)
        #expect(try SimSupport.recordBytes(a) == SimSupport.recordBytes(b))
        #expect(first.summary == second.summary)
        #expect(try EventLog(directory: a).headHash == EventLog(directory: b).headHash)
        #expect(first.ledger.invariantViolations().isEmpty)
        // The unwinds are trades between a bot and its hedge account, in the log.
        let trades = try SimSupport.records(a).compactMap { record -> Trade? in
            if case .trade(let p) = record.event, p.seller.text.hasPrefix("bot-") || p.buyer.text.hasPrefix("bot-") { return p }
            return nil
        }
        #expect(!trades.isEmpty)
        for trade in trades {
            #expect(trade.buyer.text.hasPrefix("hedge-") || trade.seller.text.hasPrefix("hedge-"))
        }
    }

    @Test func recyclingBotsFillMoreThanHoldingOnesWithoutBadDebt() throws {
        let path = PricePath(candles: try SimSupport.candles("btcusdt-2020-03-12-5m-binance-spot-partial.csv"))
        var config = SimSupport.config(accounts: 500)
        let recycle = try Simulation(path: path, config: config).run().summary
        config.liquidity = .hold
        let hold = try Simulation(path: path, config: config).run().summary
        #expect(recycle.botFillNotional > hold.botFillNotional, "recycle \(recycle.botFillNotional) hold \(hold.botFillNotional)")
        #expect(recycle.botUnwoundNotional.isPositive)
        #expect(hold.botUnwoundNotional == .zero)
        #expect(recycle.badDebt == .zero)
        #expect(recycle.insuranceMin >= .zero, "insuranceMin \(recycle.insuranceMin)")
    }
}
