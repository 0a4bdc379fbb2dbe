@testable import SolventCore
import Testing

// Worked examples of the fund's unwind (docs/LIQUIDATION.md "Backstop"). Setup as
// `longAtTenThousand` with the fund at `fund`: alice long 1 BTC at 10,000 with 1,000; at 9,030
// she is liquidated for 0.5 BTC (auction 11 from 9,210.6, bankruptcy price 9,000); no bid comes,
// and 30 s later the stairstep (1 %/10 s) is below 9,000, so the clock backstops 0.5 BTC at
// 9,000 into the fund, which pays 4,500. Alice then holds 0.5 (cash −4,500, equity 15 at 9,030,
// MM 18.06) and is liquidated again at once for 0.25 (liquidation 16, auction 17, bankruptcy
// 9,000). Last comes the fund's unwind, auction 18: it sells the fund's 0.5 from 9,030 × 1.02 =
// 9,210.6, on the same curve, naming liquidation 10 whose backstop it unwinds.

/// The driver just after the backstop, and its records.
/// Rules 1's unwind (RulesVersion.swift): these examples pin the first design, which old logs
/// keep re-deriving; rules 2's margined fund has its own (MarginedFundTests).
func backstoppedIntoTheFund(fund: String) -> (LedgerDriver, [Event]) {
    var driver = longAtTenThousand(fund: fund, rules: .v1)
    driver.send(oracle("BTC-PERP", "9030"))
    driver.time += 30_000
    let records = driver.send(clockTick)
    return (driver, records)
}

@Suite("Liquidation engine: the insurance fund unwinds what it backstops")
struct FundUnwindTests {
    /// Fund 5,000: after the backstop its cash is 500 with 0.5 BTC, and no price can bankrupt
    /// it (500 + 0.5·P > 0), so the unwind has no floor. bot1 takes all 0.5 at once at 9,210.6:
    /// the fund receives 4,605.3 (no penalty: it would pay itself), ends flat with cash 5,105.3.
    @Test func aBackstopIsUnwoundByTheFundsOwnAuctionAndTheFundEndsFlat() {
        var (driver, backstop) = backstoppedIntoTheFund(fund: "5000")
        #expect(backstop.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished",
                                             "liquidation.started", "auction.started", "auction.started"])
        guard case .auctionStarted(let unwind) = backstop.last else { Issue.record("no match: case .auctionStarted(let unwind) = backstop.last"); return }
        #expect(unwind.auction == 18)
        #expect(unwind.liquidation == 10)
        #expect(unwind.account == .insurance)
        #expect(unwind.qty == qty("-0.5"))
        #expect(unwind.startPrice == price("9210.6"))
        #expect(unwind.bankruptcyPrice == nil)
        #expect(driver.view("insurance").cash == money("500"))

        let filled = driver.send(bid(18, "bot1", "0.5", limit: "9300"))
        #expect(filled.map(\.kindName) == ["auction.fill", "auction.ended"])
        guard case .auctionFill(let fill) = filled[0], case .auctionEnded(let ended) = filled[1] else { Issue.record("no match: case .auctionFill(let fill) = filled[0], case .auctionEnded(let ended) = filled[1]"); return }
        #expect(fill.price == price("9210.6"))
        #expect(fill.penalty == .zero)
        #expect(ended.reason == "filled")
        let fund = driver.view("insurance")
        #expect(fund.positions.isEmpty)
        #expect(fund.cash == money("5105.3"))
        #expect(driver.view("bot1").positions.first?.qty == qty("0.5"))
        #expect(driver.ledger.engine.auctions.map(\.id) == [17])
        #expect(driver.ledger.invariantViolations().isEmpty)
        #expect(replay(driver.log, onto: Ledger(rules: driver.ledger.rules)) == driver.ledger)
    }

    /// A second backstop in the same market merges into one unwind. Nobody bids: 30 s later
    /// alice's auction 17 reaches 9,000 and the fund takes her 0.25 too (cash 500 − 2,250 =
    /// −1,750, 0.75 BTC). Auction 18 ends `merged` with 0.5 left and a new unwind sells all 0.75
    /// from the mark; bot1 takes it at 9,210.6: +6,907.95, the fund ends flat with 5,157.95.
    @Test func aSecondBackstopMergesIntoOneUnwind() {
        var (driver, _) = backstoppedIntoTheFund(fund: "5000")
        for _ in 0..<3 {
            driver.time += 10_000
            driver.send(oracle("BTC-PERP", "9030"))
            if driver.ledger.engine.auctions.count < 2 { break }
        }
        let second = driver.send(clockTick)
        let kinds = second.map(\.kindName)
        #expect(kinds.prefix(3) == ["auction.fill", "auction.ended", "liquidation.finished"])
        guard let merged = second.firstIndex(where: { if case .auctionEnded(let p) = $0 { p.reason == "merged" } else { false } }),
              case .auctionEnded(let ended) = second[merged], case .auctionStarted(let unwind) = second.last else {
            Issue.record("no merged unwind in \(kinds)"); return
        }
        #expect(ended.auction == 18)
        #expect(ended.remaining == qty("0.5"))
        #expect(unwind.account == .insurance)
        #expect(unwind.qty == qty("-0.75"))
        #expect(unwind.startPrice == price("9210.6"))
        #expect(driver.view("insurance").cash == money("-1750"))

        let filled = driver.send(bid(unwind.auction, "bot1", "0.75", limit: "9300"))
        #expect(filled.map(\.kindName) == ["auction.fill", "auction.ended"])
        let fund = driver.view("insurance")
        #expect(fund.positions.isEmpty)
        #expect(fund.cash == money("5157.95"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// Fund 100: after the backstop its cash is −4,400 with 0.5 BTC: bankrupt at 8,800. bot1
    /// first takes alice's 0.25 at 9,210.6 (she recovers, no more backstops); her penalty,
    /// 2,302.65 × 0.00100005 = 2.30276514 (up), goes to the fund: cash −4,397.69723486, bankrupt
    /// at 8,795.39446972. 50 s into the unwind the curve is at 9,210.6 × 0.99^5 = 8,759.2… below
    /// that: a bid fills there at the lowest, so one limited at 8,790 is rejected; the next clock
    /// resets the unwind from the mark (`fund_bankruptcy`), and bot1 takes it at 9,210.6: the
    /// fund ends flat with cash −4,397.69723486 + 4,605.3 = 207.60276514.
    @Test func theUnwindNeverSellsBelowTheFundsBankruptcyPrice() {
        var (driver, backstop) = backstoppedIntoTheFund(fund: "100")
        guard case .auctionStarted(let unwind) = backstop.last else { Issue.record("no match: case .auctionStarted(let unwind) = backstop.last"); return }
        #expect(unwind.bankruptcyPrice == price("8800"))
        #expect(driver.view("insurance").cash == money("-4400"))
        #expect(driver.send(bid(17, "bot1", "0.25", limit: "9300")).map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished"])

        for _ in 0..<5 {
            driver.time += 10_000
            driver.send(oracle("BTC-PERP", "9030"))
        }
        let low = driver.send(bid(18, "bot1", "0.5", limit: "8790"))
        guard case .auctionBidRejected(let rejected)? = low.first else { Issue.record("expected a rejection, got \(low)"); return }
        #expect(rejected.price == price("8795.39446972"))
        #expect(rejected.reason == "limit_not_met")

        let reset = driver.send(clockTick)
        guard case .auctionReset(let p)? = reset.first else { Issue.record("expected a reset, got \(reset)"); return }
        #expect(p.reason == "fund_bankruptcy")
        #expect(p.startPrice == price("9210.6"))
        let filled = driver.send(bid(18, "bot1", "0.5", limit: "9300"))
        #expect(filled.map(\.kindName) == ["auction.fill", "auction.ended"])
        let fund = driver.view("insurance")
        #expect(fund.positions.isEmpty)
        #expect(fund.cash == money("207.60276514"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// At the floor itself (as above, 8,795.39446972) the fund sells for exactly what it owes:
    /// 0.5 × 8,795.39446972 = 4,397.69723486, and ends flat with equity 0, never below.
    @Test func aFillAtTheFloorLeavesTheFundAtZeroNotBelow() {
        var (driver, _) = backstoppedIntoTheFund(fund: "100")
        _ = driver.send(bid(17, "bot1", "0.25", limit: "9300"))
        for _ in 0..<5 {
            driver.time += 10_000
            driver.send(oracle("BTC-PERP", "9030"))
        }
        let filled = driver.send(bid(18, "bot1", "0.5", limit: "8800"))
        guard case .auctionFill(let fill)? = filled.first else { Issue.record("expected a fill, got \(filled)"); return }
        #expect(fill.price == price("8795.39446972"))
        let fund = driver.view("insurance")
        #expect(fund.positions.isEmpty)
        #expect(fund.equity == .zero)
    }
}
