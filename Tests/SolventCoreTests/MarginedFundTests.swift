@testable import SolventCore
import Testing

// Worked examples of rules 2 (docs/LIQUIDATION.md "The fund as a margined account", SPEC §5.7–5.8),
// with the arithmetic written out. Setup as `longAtTenThousand`: alice long 1 BTC at 10,000 with
// 1,000 (cash −9,000) against bob (cash 110,000, short 1); at 9,030 she is liquidated for 0.5 BTC
// (liquidation 10, auction 11 from 9,030 × 1.02 = 9,210.6, bankruptcy price 9,000). 30 s later the
// stairstep (× 0.99 per 10 s) is at 9,210.6 × 0.99³ = 8,936.9… < 9,000: the remainder is closed at
// 9,000. Defaults: fundImr 0.25, fundMmr 0.125.

/// The driver with alice's first auction at its bankruptcy price, and the records of the clock
/// (or of `last`) that closes it.
private func backstopped(fund: String, last: Event = clockTick) -> (LedgerDriver, [Event]) {
    var driver = longAtTenThousand(fund: fund)
    driver.send(oracle("BTC-PERP", "9030"))
    driver.time += 30_000
    let records = driver.send(last)
    return (driver, records)
}

@Suite("Liquidation engine, rules 2: the fund as a margined account")
struct MarginedFundTests {
    /// Fund 5,000. Taking 0.5 at 9,000 costs it 4,500: cash 500, equity at the mark
    /// 500 + 0.5 × 9,030 = 5,015 ≥ IM 0.5 × 9,030 × 0.25 = 1,128.75. It fits whole, as under rules 1.
    @Test func aBackstopThatFitsIsTakenWhole() {
        let (driver, records) = backstopped(fund: "5000")
        #expect(records.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished",
                                            "liquidation.started", "auction.started", "auction.started"])
        guard case .auctionFill(let fill) = records.first else { Issue.record("no match: case .auctionFill(let fill) = records.first"); return }
        #expect(fill.bidder == .insurance)
        #expect(fill.qty == qty("0.5"))
        #expect(fill.price == price("9000"))
        let fund = driver.view("insurance")
        #expect(fund.cash == money("500"))
        #expect(fund.equity == money("5015"))
        #expect(driver.ledger.fundMargin().im == money("1128.75"))
        #expect(replay(driver.log) == driver.ledger)
    }

    /// Fund 600. Taking q at 9,000 with the mark at 9,030 leaves equity 600 + 30q against IM
    /// 9,030 × 0.25 × q = 2,257.5q: it fits while q ≤ 600 / 2,227.5 = 0.26936, so 0.269 (lots of
    /// 0.001): equity 608.07 ≥ IM 607.2675; 0.270 would give 608.1 < 609.525. The other 0.231 goes
    /// to ADL at 9,000 at once: bob buys it back (below the mark: it costs him nothing). Alice
    /// receives ⌊0.269 × 9,000⌋ + (⌊0.5 × 9,000⌋ − ⌊0.269 × 9,000⌋) = 4,500: cash −4,500, equity 15
    /// at 9,030 ≤ MM 18.06, so she is liquidated again at once; then the fund's unwind starts for
    /// its 0.269.
    @Test func aBackstopThatHalfFitsSendsTheRestToADL() {
        let (driver, records) = backstopped(fund: "600")
        #expect(records.map(\.kindName) == ["auction.fill", "adl", "auction.ended", "liquidation.finished",
                                            "liquidation.started", "auction.started", "auction.started"])
        guard case .auctionFill(let fill) = records[0], case .adl(let adl) = records[1],
              case .auctionEnded(let ended) = records[2], case .liquidationFinished(let finished) = records[3],
              case .auctionStarted(let unwind) = records[6] else { Issue.record("\(records)"); return }
        #expect(fill.bidder == .insurance && fill.qty == qty("0.269") && fill.price == price("9000"))
        #expect(adl.account == id("bob") && adl.qty == qty("0.231") && adl.price == price("9000") && adl.liquidation == 10)
        #expect(ended.reason == "adl" && ended.remaining == .zero)
        #expect(finished.adlQty == qty("0.231") && finished.closedQty == qty("0.5") && finished.shortfall == .zero)
        #expect(unwind.account == .insurance && unwind.qty == qty("-0.269"))
        #expect(driver.view("insurance").cash == money("-1821"))
        #expect(driver.view("insurance").equity == money("608.07"))
        #expect(driver.ledger.fundMargin().im == money("607.2675"))
        #expect(driver.view("alice").cash == money("-4500"))
        #expect(replay(driver.log) == driver.ledger)
    }

    /// Fund 2: a single lot (0.001) would leave 2 + 0.03 = 2.03 against IM 2.2575. The fund takes
    /// nothing and all 0.5 goes to ADL at 9,000.
    @Test func aBackstopRefusedForTheFundsMarginGoesWhollyToADL() {
        let (driver, records) = backstopped(fund: "2")
        #expect(records.map(\.kindName) == ["adl", "auction.ended", "liquidation.finished", "liquidation.started", "auction.started"])
        guard case .adl(let adl) = records.first else { Issue.record("no match: case .adl(let adl) = records.first"); return }
        #expect(adl.account == id("bob") && adl.qty == qty("0.5") && adl.price == price("9000"))
        #expect(driver.view("insurance").positions.isEmpty)
        #expect(driver.view("insurance").cash == money("2"))
    }

    /// From the half fit (fund cash −1,821, long 0.269), the price gaps to 6,500 (28 %, inside the
    /// jump guard). Fund equity −1,821 + 0.269 × 6,500 = −72.5 ≤ MM 0.269 × 6,500 × 0.125 =
    /// 218.5625, and below zero: its 0.269 is closed by ADL at its bankruptcy price, 1,821 / 0.269
    /// = 6,769.516728624… rounded up to 6,769.51672863. bob, the only short, buys it back there:
    /// the gap's loss, 0.269 × 269.51672863 = 72.5, is his. The fund receives
    /// ⌊0.269 × 6,769.51672863⌋ = 1,821 and is left at zero, plus the trade's dust: bob pays
    /// ⌈1,821.0000000015⌉ = 1,821.00000001, so the fund ends at 0.00000001. Its unwind ends (`adl`).
    @Test func theFundIsDeleveragedThroughAGapAndEndsAtZero() {
        var (driver, _) = backstopped(fund: "600")
        driver.time += 1_000
        let records = driver.send(oracle("BTC-PERP", "6500"))
        let fundPart = Array(records.drop { if case .insuranceDeleveraged = $0 { false } else { true } })
        #expect(fundPart.map(\.kindName) == ["insurance.deleveraged", "adl", "auction.ended"])
        guard case .insuranceDeleveraged(let deleveraged) = fundPart.first, case .adl(let adl) = fundPart[1],
              case .auctionEnded(let ended) = fundPart[2] else { Issue.record("\(records)"); return }
        #expect(deleveraged.qty == qty("0.269"))
        #expect(deleveraged.equity == money("-72.5"))
        #expect(deleveraged.mm == money("218.5625"))
        #expect(deleveraged.price == price("6769.51672863"))
        #expect(adl.account == id("bob") && adl.qty == qty("0.269") && adl.price == deleveraged.price)
        #expect(ended.reason == "adl")
        let fund = driver.view("insurance")
        #expect(fund.positions.isEmpty)
        #expect(fund.equity == money("0.00000001"))
        #expect(driver.ledger.invariantViolations().isEmpty)
        #expect(replay(driver.log) == driver.ledger)
    }

    /// alice long 0.9 (0.3 from each of s1, s2, s3 at 10,000) with 1,000.00000001: cash
    /// −7,999.99999999. A gap to 8,700 leaves her below zero (−170): everything is auctioned, and
    /// the bankruptcy price 7,999.99999999 / 0.9 = 8,888.888888877… rounds up to 8,888.88888888,
    /// above the auction's start 8,874, so the next clock closes all 0.9 there. The fund (2) takes
    /// none; ADL takes 0.3 from each short (equal scores, ties by id). Rounded fill by fill, alice
    /// would receive 3 × ⌊0.3 × 8,888.88888888⌋ = 3 × 2,666.66666666 = 7,999.99999998 and end at
    /// −0.00000001; on the running total she receives 2,666.66666666, then 5,333.33333332 −
    /// 2,666.66666666 = 2,666.66666666, then 7,999.99999999 − 5,333.33333332 = 2,666.66666667:
    /// 7,999.99999999, exactly zero. The shorts pay ⌈0.3 × P⌉ = 2,666.66666667 each; the dust,
    /// 0.00000002, goes to the fund.
    @Test(arguments: [RulesVersion.v1, .v2])
    func aThreeWayADLEndsAtExactlyZero(rules: RulesVersion) {
        var driver = LedgerDriver(rules: rules)
        driver.send(listed("BTC-PERP"))
        driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
        driver.send(oracle("BTC-PERP", "10000"))
        driver.send(deposit("alice", "1000.00000001"))
        driver.send(insuranceDeposit("2"))
        for short in ["s1", "s2", "s3"] {
            driver.send(deposit(short, "1000"))
            driver.send(trade("BTC-PERP", buyer: "alice", seller: short, "0.3", at: "10000"))
        }
        driver.time += 1_000
        let started = driver.send(oracle("BTC-PERP", "8700"))
        guard case .auctionStarted(let auction) = started.last else { Issue.record("\(started)"); return }
        #expect(auction.qty == qty("-0.9") && auction.bankruptcyPrice == price("8888.88888888"))
        driver.time += 10_000
        let closed = driver.send(clockTick)
        let adls = closed.compactMap { if case .adl(let p) = $0 { p } else { nil } }
        #expect(adls.map(\.account) == [id("s1"), id("s2"), id("s3")])
        #expect(adls.allSatisfy { $0.qty == qty("0.3") && $0.price == price("8888.88888888") })
        let finished = closed.compactMap { if case .liquidationFinished(let p) = $0 { p } else { nil } }.first
        if rules == .v1 {
            // Rules 1: rounded fill by fill, one raw unit short, which the fund then pays.
            #expect(finished?.shortfall == money("0.00000001"))
            #expect(finished?.insurancePaid == money("0.00000001"))
        } else {
            #expect(finished?.shortfall == .zero)
            #expect(driver.view("alice").cash == .zero)
            #expect(driver.view("insurance").cash == money("2.00000002"))
        }
        #expect(replay(driver.log, onto: Ledger(rules: rules)) == driver.ledger)
    }

    /// `tail` 5 s. Auction 11 starts at 9,210.6; 3 s later the mark is 9,040 (alice still in the
    /// call zone: equity 40, MM 36.16, zone top 43.39 — not recovered). A bid 8 s after the start,
    /// with no clock between, first applies the reset the next clock would have: the auction is
    /// past `tail`, so it restarts from 9,040 × 1.02 = 9,220.8, and the bid fills there. Under
    /// rules 1 it filled at the stale curve's 9,210.6.
    @Test(arguments: [RulesVersion.v1, .v2])
    func aBidAfterTailResetsTheAuctionFirst(rules: RulesVersion) {
        var driver = longAtTenThousand(rules: rules)
        driver.send(params { $0.tail = 5_000 })
        driver.send(oracle("BTC-PERP", "9030"))
        driver.time += 3_000
        driver.send(oracle("BTC-PERP", "9040"))
        driver.time += 5_000
        let records = driver.send(bid(12, "bot1", "0.5", limit: "9300"))
        let fill = records.compactMap { if case .auctionFill(let p) = $0 { p } else { nil } }.first
        if rules == .v1 {
            #expect(records.first?.kindName == "auction.fill")
            #expect(fill?.price == price("9210.6"))
        } else {
            #expect(records.prefix(2).map(\.kindName) == ["auction.reset", "auction.fill"])
            #expect(fill?.price == price("9220.8"))
        }
        #expect(replay(driver.log, onto: Ledger(rules: rules)) == driver.ledger)
    }

    /// 30 s after the start the curve (8,936.9…) is below alice's bankruptcy price 9,000. A bid
    /// then, with no clock between, would have filled at 8,936.9 under rules 1, below the
    /// bankruptcy price (a shortfall for the fund). Under rules 2 it first applies the clock's
    /// step: the remainder is closed at 9,000 into the fund, and the bid is rejected
    /// `auction_ended`, at the curve's price when it arrived.
    @Test func aBidAfterTheCurvePassedTheBankruptcyPriceBackstopsFirst() {
        let (driver, records) = backstopped(fund: "5000", last: bid(11, "bot1", "0.5", limit: "9300"))
        #expect(records.first?.kindName == "auction.fill")
        guard case .auctionFill(let fill) = records.first, case .auctionBidRejected(let rejected) = records.last else {
            Issue.record("\(records)")
            return
        }
        #expect(fill.bidder == .insurance && fill.price == price("9000"))
        #expect(rejected.reason == "auction_ended")
        #expect(rejected.price < price("9000"))
        #expect(driver.view("alice").cash == money("-4500"))
    }
}
