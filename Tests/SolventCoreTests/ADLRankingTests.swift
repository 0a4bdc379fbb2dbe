@testable import SolventCore
import Testing

// The lazy ADL ranking (ADLQueue, Settlement.swift `adlRanking`) against the rule written out as
// it was before: score every holder with `margin` and `marginTotals`, then sort them all by
// score descending, ties by account id (SPEC §5.8, docs/LIQUIDATION.md). Replay must reproduce
// existing logs byte for byte, so the order and the scores must be exactly the full sort's.
struct ADLRankingTests {
    /// The full sort, written independently of `ADLQueue.ranksBefore`.
    static func fullSort(_ candidates: [ADLQueue.Element], ids: [AccountID]) -> [ADLQueue.Element] {
        candidates.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            return ids[a.index].text.utf8.lexicographicallyPrecedes(ids[b.index].text.utf8)
        }
    }

    static func sameOrder(_ a: [ADLQueue.Element], _ b: [ADLQueue.Element]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.index == $1.index && $0.score == $1.score }
    }

    /// Unique ids whose order differs from index order, so a tie broken by index would show.
    static func shuffledIDs(_ count: Int, _ rng: inout SplitMix64) -> [AccountID] {
        var seen = Set<String>()
        var ids: [AccountID] = []
        while ids.count < count {
            let text = "t\(rng.below(UInt64(count * 10 + 10)))"
            if seen.insert(text).inserted { ids.append(id(text)) }
        }
        return ids
    }

    /// Generated candidate sets, scores drawn from a few values (many ties) and the "equity ≤ 0"
    /// floor: the whole sequence and every prefix a backstop may stop at equal the full sort.
    @Test func theQueueYieldsTheFullSortsOrderWithManyTies() {
        var rng = SplitMix64(seed: 20_261_126)
        let scores: [Int64] = [Int64.min / 2, -3, 0, 1, 2, 7, 1_000_000_000]
        for _ in 0..<500 {
            let accounts = Int(rng.below(80))
            let ids = Self.shuffledIDs(accounts, &rng)
            var candidates: [ADLQueue.Element] = []
            for index in 0..<accounts where rng.below(4) != 0 {
                candidates.append((index, Rate(raw: scores[Int(rng.below(UInt64(scores.count)))])))
            }
            let expected = Self.fullSort(candidates, ids: ids)
            #expect(Self.sameOrder(Array(ADLQueue(candidates, ids: ids)), expected))
            var queue = ADLQueue(candidates, ids: ids)
            let taken = Int(rng.below(UInt64(candidates.count + 1)))
            let prefix = (0..<taken).compactMap { _ in queue.next() }
            #expect(Self.sameOrder(prefix, Array(expected.prefix(taken))))
            #expect(queue.underestimatedCount == candidates.count - taken)
        }
    }

    @Test func anEmptyQueueYieldsNothing() {
        var queue = ADLQueue([], ids: [])
        #expect(queue.next() == nil)
    }

    /// Real ledgers: traders in two markets with a few deposits, sizes and entry prices (so many
    /// equal scores), one market moved. `adlRanking` equals every eligible holder scored the old
    /// way and fully sorted, for both sides and with an account excluded.
    @Test func theLedgersRankingEqualsScoringEveryoneAndSortingThem() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<12 {
            let ledger = Self.generatedLedger(&rng)
            let m = ledger.marketIndexByID.index(of: id("BTC-PERP"))!
            let holders = (0..<ledger.accounts.count).filter { !ledger.markets[m].cell($0).qty.isZero }
            #expect(holders.count > 20)
            for (side, excluded) in [(qty("1"), -1), (qty("-1"), -1), (qty("1"), holders[holders.count / 2]), (qty("-1"), holders[3])] {
                let lazy = Self.lazyRanking(ledger, market: m, opposite: side, excluding: excluded)
                let expected = Self.referenceRanking(ledger, market: m, opposite: side, excluding: excluded)
                #expect(!expected.isEmpty)
                #expect(Self.sameOrder(lazy, expected))
                #expect(Set(expected.map(\.score)).count < expected.count, "the set has ties")
            }
        }
    }

    /// Everything `adlRanking` hands out, in order (on a copy: it files what moved first).
    static func lazyRanking(_ ledger: Ledger, market m: Int, opposite position: Quantity, excluding account: Int) -> [ADLQueue.Element] {
        var copy = ledger
        var ranking = copy.adlRanking(market: m, opposite: position, excluding: account)
        var ranked: [ADLQueue.Element] = []
        while let next = ranking.next(in: copy) { ranked.append(next) }
        return ranked
    }

    /// The ranking as `adlRanking` computed it before the queue: `margin` and `marginTotals`
    /// for every holder, then a full sort.
    static func referenceRanking(_ ledger: Ledger, market m: Int, opposite position: Quantity, excluding account: Int) -> [ADLQueue.Element] {
        let mark = ledger.markets[m].mark!
        var ranked: [ADLQueue.Element] = []
        for index in 0..<ledger.accounts.count where index != account && index > Ledger.feesIndex && !ledger.accounts.states[index].isLiquidating {
            let cell = ledger.markets[m].cell(index)
            guard !cell.qty.isZero, cell.qty.isPositive != position.isPositive else { continue }
            let margin = ledger.markets[m].margin(qty: cell.qty, openCost: cell.openCost, mark: mark)
            let equity = ledger.marginTotals(account: index, cash: ledger.accounts.states[index].cash).equity
            ranked.append((index, ledger.adlScore(upnl: margin.upnl, openCost: cell.openCost, notional: margin.notional, equity: equity)))
        }
        return fullSort(ranked, ids: ledger.accounts.ids)
    }

    static func generatedLedger(_ rng: inout SplitMix64) -> Ledger {
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(listed("ETH-PERP"))
        driver.send(oracle("BTC-PERP", "10000"))
        driver.send(oracle("ETH-PERP", "1000"))
        driver.send(deposit("maker", "100000000"))
        for trader in shuffledIDs(40, &rng) {
            let name = trader.text
            driver.send(deposit(name, ["1000", "2500"][Int(rng.below(2))]))
            let size = ["0.1", "0.25"][Int(rng.below(2))]
            let entry = ["9900", "10000"][Int(rng.below(2))]
            if rng.below(2) == 0 {
                driver.send(trade("BTC-PERP", buyer: name, seller: "maker", size, at: entry))
            } else {
                driver.send(trade("BTC-PERP", buyer: "maker", seller: name, size, at: entry))
            }
            if rng.below(3) == 0 {
                driver.send(trade("ETH-PERP", buyer: name, seller: "maker", "0.5", at: "1000"))
            }
        }
        driver.send(oracle("BTC-PERP", ["9950", "10100"][Int(rng.below(2))]))
        driver.send(oracle("ETH-PERP", "1010"))
        return driver.ledger
    }
}
