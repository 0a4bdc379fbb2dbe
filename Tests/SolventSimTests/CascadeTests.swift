import Foundation
import SolventCore
import SolventSim
import SolventStore
import Testing

/// What the simulation claims about liquidations, checked against the log it wrote.
@Suite struct CascadeTests {
    /// A test-only path (not a fixture): 10,000 falling 0.4 % a minute for 90 minutes, so every
    /// recorded point is below the last. Oracle guards cannot hold it (0.4 % < maxJump).
    static func monotoneFall() -> PricePath {
        var candles: [Candle] = []
        var price: Int64 = 10_000_00
        for minute in 0..<90 {
            let open = price
            let close = open - open * 4 / 1000
            candles.append(Candle(openTimeMs: 1_600_000_000_000 + Int64(minute) * 60_000, open: Price(raw: open * 1_000_000),
                                  high: Price(raw: open * 1_000_000), low: Price(raw: close * 1_000_000),
                                  close: Price(raw: close * 1_000_000)))
            price = close
        }
        return PricePath(candles: candles)
    }

    static func noDeadlineNoCaps() -> ParamsSet {
        var params = ParamsSet()
        params.callGrace = 0
        params.holeGlobal = Money(units: 90_000_000_000)
        params.holeMarket = Money(units: 90_000_000_000)
        return params
    }

    @Test func monotoneFallWithoutImpactLiquidatesEveryLongAboveTheLowInPriceOrder() throws {
        let path = Self.monotoneFall()
        var config = SimSupport.config(accounts: 300)
        config.impact = .off
        config.params = Self.noDeadlineNoCaps()
        config.openingWindowMs = 0
        // Liquidation prices at the opening, from a run of the first candle only (same population).
        let opening = try Simulation(path: path.prefix(1), config: config).run().ledger
        let (result, directory) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        #expect(result.summary.cascadeDepth == 0)
        var firstStart: [AccountID: TimeMs] = [:]
        for record in try SimSupport.records(directory) {
            if case .liquidationStarted(let p) = record.event, firstStart[p.account] == nil { firstStart[p.account] = record.time }
        }
        let low = path.candles.last!.close
        let tolerance = Price(raw: 100_000)   // 0.001: the 8-decimal rounding of value and MM
        var liquidated: [(time: TimeMs, price: Price)] = []
        for pair in Simulation(path: path, config: config).population.pairs {
            let lp = try #require(opening.account(pair.long.id)?.positions.first?.liquidationPrice)
            if lp > low + tolerance { #expect(firstStart[pair.long.id] != nil, "long \(pair.long.id) at \(lp) not liquidated") }
            if lp < low - tolerance { #expect(firstStart[pair.long.id] == nil, "long \(pair.long.id) at \(lp) liquidated") }
            if let time = firstStart[pair.long.id] { liquidated.append((time, lp)) }
            #expect(firstStart[pair.short.id] == nil)
        }
        #expect(liquidated.count > 50)
        // In price order: a long liquidated strictly earlier had a liquidation price at least as high.
        liquidated.sort { ($0.time, $1.price) < ($1.time, $0.price) }
        for (earlier, later) in zip(liquidated, liquidated.dropFirst()) where earlier.time < later.time {
            #expect(earlier.price + tolerance >= later.price, "\(earlier) before \(later)")
        }
    }

    @Test func impactCascadesOnBlackThursdayAndNotWithoutIt() throws {
        let path = try SimSupport.blackThursdayMorning()
        var config = SimSupport.config(accounts: 400)
        let withImpact = try Simulation(path: path, config: config).run()
        #expect(withImpact.summary.cascadeDepth > 0)
        #expect(withImpact.summary.lowestMark < withImpact.summary.lowestRecorded)
        config.impact = .off
        let without = try Simulation(path: path, config: config).run()
        #expect(without.summary.cascadeDepth == 0)
        #expect(without.summary.lowestMark == without.summary.lowestRecorded)
    }

    @Test func simulatedLogVerifiesByChainAndRederivation() throws {
        let path = try SimSupport.blackThursdayMorning()
        let (result, directory) = try SimSupport.runWithLog(Simulation(path: path, config: SimSupport.config(accounts: 300)))
        #expect(result.summary.liquidations > 0)
        #expect(result.summary.bidsFilled > 0)
        #expect(result.ledger.invariantViolations().isEmpty)
        let log = try EventLog(directory: directory)
        guard case .ok(let count, _) = try log.verifyChain() else { Issue.record("chain broken"); return }
        #expect(count == result.summary.records)
        var replay = Rederivation()
        var mismatch: ReplayMismatch?
        try log.read { reader in
            try reader.forEachBorrowed { stored in
                mismatch = replay.feed(stored.bytes)
                return mismatch == nil
            }
        }
        #expect(mismatch == nil)
        #expect(replay.finish() == nil)
        #expect(replay.ledger == result.ledger)
    }

    @Test func botsAreAccountsInTheLogAndBidOnRunningAuctions() throws {
        let path = try SimSupport.blackThursdayMorning()
        let (_, directory) = try SimSupport.runWithLog(Simulation(path: path, config: SimSupport.config(accounts: 300)))
        var started: Set<Seq> = []
        var bids = 0
        for record in try SimSupport.records(directory) {
            switch record.event {
            case .auctionStarted(let p): started.insert(p.auction)
            case .auctionBid(let p):
                bids += 1
                #expect(started.contains(p.auction))
                #expect(p.bidder.text.hasPrefix("bot-"))
            case .deposit(let p) where p.account.text.hasPrefix("bot-"): #expect(p.amount.isPositive)
            default: break
            }
        }
        #expect(bids > 0)
    }
}
