import PropertyBased
@testable import SolventCore
import Testing

// The ADL index (Liquidation/ADLIndex.swift) against the full sort it replaces, over generated
// histories: after every event, for both sides of both markets, with and without a holder
// excluded, the lazy ranking hands out exactly the reference's candidates, scores and order
// (`ADLRankingTests.referenceRanking`: every eligible holder scored with `margin` and
// `marginTotals`, then fully sorted). The histories move the marks far both ways, so holders go
// from deep profit to underwater; sizes, deposits and entries come from short lists, so scores
// tie; some traders hold both markets (always scored); trades, deposits, withdrawals, funding,
// liquidations and ADL move positions and cash between the checks.
struct ADLIndexPropertyTests {
    static let markets = ["BTC-PERP", "ETH-PERP"]
    static let startMarks = ["10000", "1000"]

    @Test(arguments: [RulesVersion.v1, .v2])
    func theIndexRanksExactlyAsTheFullSortOnGeneratedHistories(_ rules: RulesVersion) async {
        await propertyCheck(count: 12, input: Gen.int64(in: 0...Int64.max)) { seed in
            var rng = SplitMix64(seed: UInt64(seed))
            var d = LedgerDriver(rules: rules)
            var marks = [10_000.0, 1_000.0]
            for (market, mark) in zip(Self.markets, Self.startMarks) {
                d.send(listed(market))
                d.send(oracle(market, mark))
            }
            d.send(deposit("maker", "100000000"))
            d.send(insuranceDeposit(["1", "5000", "1000000"][Int(rng.below(3))]))
            let traders = (0..<30).map { "t\(($0 * 7919) % 97)" }
            for _ in 0..<160 {
                let event = Self.event(&rng, traders: traders, marks: &marks)
                guard (try? d.ledger.check(event)) != nil else { continue }
                d.append(event)
                Self.expectRankingsMatch(d.ledger, &rng)
            }
        }
    }

    static func event(_ rng: inout SplitMix64, traders: [String], marks: inout [Double]) -> Event {
        let m = Int(rng.below(2))
        let market = markets[m]
        let trader = traders[Int(rng.below(UInt64(traders.count)))]
        switch rng.below(10) {
        case 0, 1:
            // Gaps of up to ±30 %, so holders cross from profit to loss and below bankruptcy.
            let move = (Double(rng.below(61)) - 30) / 100
            marks[m] = max(marks[m] * (1 + move), 1)
            return oracle(market, decimal(marks[m]))
        case 2:
            return deposit(trader, ["100", "1000", "2500"][Int(rng.below(3))])
        case 3:
            return withdrawal(trader, ["50", "500"][Int(rng.below(2))])
        case 4:
            return funding(market, ["0.001", "-0.002"][Int(rng.below(2))])
        case 5:
            return clockTick
        default:
            let size = ["0.1", "0.25", "1"][Int(rng.below(3))]
            let at = decimal(marks[m] * [0.99, 1, 1.01][Int(rng.below(3))])
            let other = rng.below(3) == 0 ? traders[Int(rng.below(UInt64(traders.count)))] : "maker"
            guard other != trader else { return deposit(trader, "1000") }
            return rng.below(2) == 0 ? trade(market, buyer: trader, seller: other, size, at: at)
                : trade(market, buyer: other, seller: trader, size, at: at)
        }
    }

    /// A price with one decimal (the listing's tick).
    static func decimal(_ value: Double) -> String {
        let tenths = max(Int64((value * 10).rounded()), 1)
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func expectRankingsMatch(_ ledger: Ledger, _ rng: inout SplitMix64) {
        for m in ledger.markets.indices where ledger.markets[m].mark != nil {
            let holders = (0..<ledger.accounts.count).filter { !ledger.markets[m].cell($0).qty.isZero }
            let excluded = holders.isEmpty ? -1 : holders[Int(rng.below(UInt64(holders.count)))]
            for side in [qty("1"), qty("-1")] {
                for excluding in [-1, excluded] {
                    let lazy = ADLRankingTests.lazyRanking(ledger, market: m, opposite: side, excluding: excluding)
                    let expected = ADLRankingTests.referenceRanking(ledger, market: m, opposite: side, excluding: excluding)
                    #expect(ADLRankingTests.sameOrder(lazy, expected), "market \(m) side \(side) excluding \(excluding)")
                }
            }
        }
        var refreshed = ledger
        refreshed.refreshADLIndex()
        let problems = refreshed.adlIndexViolations()
        #expect(problems.isEmpty, "\(problems.prefix(3))")
    }

    /// The bound of a bucket never falls below a holder's exact score, for holders drawn over
    /// wide ranges of sizes, entries, cash and marks (the inequalities of ADLIndex.swift), and a
    /// bucket underwater for certain holds only the floor score.
    @Test func theBoundIsAtLeastEveryScoreOfItsBucket() async {
        let input = zip(Gen.int64(in: 1...1_000_000_000_000), Gen.int64(in: 1_000_000...10_000_000_000_000),
                        Gen.int64(in: -1_000_000_000_000_000...1_000_000_000_000_000), Gen.int64(in: 1_000_000...10_000_000_000_000),
                        Gen.bool)
        await propertyCheck(count: 3_000, input: input) { qtyRaw, entryRaw, cashRaw, markRaw, long in
            let costRaw = Int64(Int128(qtyRaw) * Int128(entryRaw) / Int128(fixedScale))
            guard costRaw > 0 else { return }
            let cell = PositionCell(qty: Quantity(raw: long ? qtyRaw : -qtyRaw), openCost: Money(raw: long ? costRaw : -costRaw))
            guard let entry = ADLEntry(cell: cell, cash: Money(raw: cashRaw), multiMarket: false), !entry.alwaysScored else { return }
            let mark = Price(raw: markRaw)
            let value = cell.qty.value(at: mark, rounding: .down)
            let notional = cell.qty.notional(at: mark, rounding: .up)
            let equity = Money(raw: cashRaw) + value
            // Out of the ledger's ranges (its range checks refuse such states): the score traps.
            guard Int128(notional.raw) * Int128(fixedScale) / Int128(max(equity.raw, 1)) <= Int128(Int64.max) else { return }
            for rules in [RulesVersion.v1, .v2] {
                let ledger = Ledger(rules: rules)
                let score = ledger.adlScore(upnl: value - cell.openCost, openCost: cell.openCost, notional: notional, equity: equity)
                let bound = ADLIndex.bound(long: long, e: entry.e, rMin: entry.r, mark: mark, lossDivides: rules.fundIsMargined)
                #expect(score.raw <= bound, "score \(score.raw) above bound \(bound)")
                let bucket = ADLBucket(key: entry.rKey, rMin: entry.r, rMax: entry.r)
                if ADLIndex.isUnderwater(bucket, long: long, mark: mark) {
                    #expect(score.raw == ADLIndex.floorScore, "underwater but scored \(score.raw)")
                }
            }
        }
    }
}
