@testable import SolventDashboard
import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// The map's buckets against a brute force over every account's `account --json` view (the
/// liquidation price `solvent account` prints), on generated populations: the map reads the
/// engine's levels (`Ledger.liquidationLevels`) and files them by an index formula; the brute
/// force parses each account's JSON and tests every bucket's edges.
@Suite struct LiquidationMapTests {
    /// Pairs of traders at prices around 10,000 with random deposits and sizes, then a move of
    /// the mark, so that some accounts sit in the margin-call zone or are being liquidated.
    static func population(seed: UInt64, accounts: Int) -> (Ledger, [String]) {
        var random = SplitMix64(seed: seed)
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(oracle("BTC-PERP", "10000"))
        var names: [String] = []
        for i in 0..<accounts {
            let name = "t\(i)"
            names.append(name)
            driver.send(deposit(name, String(200 + random.next() % 4_800)))
        }
        for pair in 0..<(accounts / 2) {
            let size = "0.\(String(format: "%03d", 10 + random.next() % 900))"
            let price = String(9_800 + random.next() % 400)
            driver.append(trade("BTC-PERP", buyer: names[2 * pair], seller: names[2 * pair + 1], size, at: price))
        }
        driver.append(oracle("BTC-PERP", String(9_700 + random.next() % 600)))
        return (driver.ledger, names)
    }

    @Test(arguments: [(1 as UInt64, 100, 50), (2, 25, 40), (3, 500, 8), (4, 10, 200)])
    func bucketsEqualABruteForceOverEveryAccountsLiquidationPrice(seed: UInt64, bucketBps: Int, buckets: Int) throws {
        let (ledger, names) = Self.population(seed: seed, accounts: 400)
        let market = MarketID(valid: "BTC-PERP")
        let mark = try #require(ledger.mark(market: market))
        let map = LiquidationMap(market: market, mark: mark, levels: try #require(ledger.liquidationLevels(market: market)),
                                 bucketBps: bucketBps, buckets: buckets)

        var below = Array(repeating: (accounts: 0, notional: Money.zero), count: buckets)
        var above = below
        var beyond = (below: Money.zero, above: Money.zero)
        var counted = 0
        for name in names {
            let json = try #require(ledger.account(AccountID(valid: name))).json
            guard json["state"] != .string("liquidating"), case .array(let positions)? = json["positions"] else { continue }
            for position in positions {
                guard case .string(let priceText)? = position["liquidationPrice"], case .string(let qtyText)? = position["qty"] else { continue }
                let p = try Price(parsing: priceText), q = try Quantity(parsing: qtyText)
                let notional = q.notional(at: mark, rounding: .up)
                counted += 1
                // Which bucket's edges hold p: k·w ≤ distance/mark < (k+1)·w, as products.
                let distance = q.isPositive ? Int128(mark.raw) - Int128(p.raw) : Int128(p.raw) - Int128(mark.raw)
                let k = (0..<buckets).first { k in
                    let scaled = distance * 10_000
                    return (k == 0 || scaled >= Int128(k * bucketBps) * Int128(mark.raw)) && scaled < Int128((k + 1) * bucketBps) * Int128(mark.raw)
                }
                switch (k, q.isPositive) {
                case (let k?, true): below[k].accounts += 1; below[k].notional += notional
                case (let k?, false): above[k].accounts += 1; above[k].notional += notional
                case (nil, true): beyond.below += notional
                case (nil, false): beyond.above += notional
                }
            }
        }
        #expect(counted == map.positions)
        #expect(counted > 100, "the population holds positions with liquidation prices")
        #expect(map.below.map(\.accounts) == below.map(\.accounts))
        #expect(map.below.map(\.notional) == below.map(\.notional))
        #expect(map.above.map(\.accounts) == above.map(\.accounts))
        #expect(map.above.map(\.notional) == above.map(\.notional))
        #expect(map.beyond == beyond)
        #expect(map.below.contains { $0.accounts > 0 } && map.above.contains { $0.accounts > 0 }, "both sides are filled")
    }

    @Test func movesCountThePositionsTheirPriceReaches() throws {
        let (ledger, _) = Self.population(seed: 9, accounts: 300)
        let market = MarketID(valid: "BTC-PERP")
        let mark = try #require(ledger.mark(market: market))
        let levels = try #require(ledger.liquidationLevels(market: market))
        let map = LiquidationMap(market: market, mark: mark, levels: levels, bucketBps: 100, buckets: 30)
        for move in map.moves {
            // With 1 % buckets, a move of n % reaches exactly the first n buckets, unless a price
            // sits on the n % edge itself (counted by the move, in bucket n by the map).
            let down = levels.filter { $0.qty.isPositive && Int128($0.liquidationPrice.raw) * 100 >= Int128(mark.raw) * Int128(100 - move.percent) }
            #expect(move.down.accounts == down.count)
            #expect(move.down.notional == down.reduce(Money.zero) { $0 + $1.notional })
            let edgeFree = down.allSatisfy { Int128($0.liquidationPrice.raw) * 100 != Int128(mark.raw) * Int128(100 - move.percent) }
            if edgeFree { #expect(move.down.accounts == map.below.prefix(move.percent).reduce(0) { $0 + $1.accounts }) }
        }
        #expect(map.moves.map(\.percent) == [5, 10, 20])
    }
}
