@testable import SolventCore
import Testing

// More worked examples of SPEC §5 (same market and parameters as LiquidationEngineTests:
// first tier mmr 0.004, callBuffer 0.2, liqStep 0.25, auctionBuffer 0.02, stairstep 10 s × 0.99,
// minFee 0.001, maxFee 0.01, feeDepth 1,000,000).

@Suite("Liquidation engine: more worked examples (short, shortfall, expiry, cusp, dust)")
struct LiquidationExamplesTests {
    /// carol: 1,000 deposited, short 1 BTC at 10,000 against dave → cash 11,000, equity 11,000 − P,
    /// MM 0.004·P. At 10,960: equity 40 ≤ MM 43.84 → liquidation.
    /// Sizing: closing 0.25 at the mark costs a penalty of 2,740 × 0.00100007 = 2.74…, leaving
    /// equity 37.26 < zone top 0.75 × 43.84 × 1.2 = 39.456; closing 0.5 costs
    /// 5,480 × 0.00100028 = 5.48…, leaving 34.52 ≥ 26.304 → 0.5.
    /// The engine buys back from 10,960 × 0.98 = 10,740.8 (rising); bankruptcy: 11,000 − P = 0 → 11,000.
    /// bot1 sells 0.5 at once, limit 10,700 ≤ 10,740.8: carol pays 5,370.4 (cash 5,629.6);
    /// penalty rate 0.001 + 0.009 × (5,480/10^6)² = 0.00100027… → 0.00100028,
    /// penalty 5,370.4 × 0.00100028 = 5.371903712 → 5.37190372; cash 5,624.22809628.
    /// Left short 0.5: equity at 10,960 = 144.22809628 > zone top 26.304 → healthy.
    @Test func aShortIsPartiallyLiquidatedAndRecovers() {
        var driver = shortAtTenThousand()
        let derived = driver.send(oracle("BTC-PERP", "10960"))
        #expect(derived.map(\.kindName) == ["liquidation.started", "auction.started"])
        guard case .liquidationStarted(let started) = derived[0], case .auctionStarted(let auction) = derived[1] else { Issue.record("no match: case .liquidationStarted(let started) = derived[0], case .auctionStarted(let auction) = derived[1]"); return }
        #expect(started.equity == money("40"))
        #expect(started.mm == money("43.84"))
        #expect(started.qty == qty("-0.5"))
        #expect(auction.startPrice == price("10740.8"))
        #expect(auction.bankruptcyPrice == price("11000"))

        let fills = driver.send(bid(auction.auction, "bot1", "0.5", limit: "10700"))
        #expect(fills.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished"])
        guard case .auctionFill(let fill) = fills[0] else { Issue.record("no match: case .auctionFill(let fill) = fills[0]"); return }
        #expect(fill.price == price("10740.8"))
        #expect(fill.penalty == money("5.37190372"))
        let carol = driver.view("carol")
        #expect(carol.state == .healthy)
        #expect(carol.cash == money("5624.22809628"))
        #expect(carol.positions.first?.qty == qty("-0.5"))
        #expect(driver.view("bot1").positions.first?.qty == qty("-0.5"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// alice: 1,000 deposited, long 1 at 10,000 (cash −9,000); the fund holds 5,000.
    /// The price gaps to 8,900: equity −100 ≤ MM 35.6 → liquidation of the whole position (no
    /// partial close can leave the zone with negative equity). Auction from 8,900 × 1.02 = 9,078;
    /// bankruptcy price 9,000. 10 s later (one stairstep) the price is 9,078 × 0.99 = 8,987.22,
    /// below bankruptcy, and bot1's bid fills there before any clock backstops it: alice receives
    /// 8,987.22 → cash −12.78. The penalty is capped at her equity, 0. Shortfall 12.78: the fund
    /// pays it (`insurance.absorbed`, fund 5,000 − 12.78 = 4,987.22) and alice ends at exactly 0.
    /// Rules 1: a bid between two clocks could fill below the bankruptcy price. Under rules 2 the
    /// bid first applies the clock's backstop (MarginedFundTests.aBidAfterTheCurvePassedTheBankruptcyPriceBackstopsFirst).
    @Test func aFullLiquidationEndsInAShortfallPaidByTheFund() {
        var driver = longAtTenThousand(rules: .v1)
        let derived = driver.send(oracle("BTC-PERP", "8900"))
        guard case .liquidationStarted(let started) = derived.first, case .auctionStarted(let auction) = derived.last else {
            Issue.record("no liquidation: \(derived)")
            return
        }
        #expect(started.qty == qty("1"))
        #expect(auction.startPrice == price("9078"))
        #expect(auction.bankruptcyPrice == price("9000"))
        driver.time += 10_000
        let fills = driver.send(bid(auction.auction, "bot1", "1", limit: "9000"))
        #expect(fills.map(\.kindName) == ["auction.fill", "auction.ended", "insurance.absorbed", "liquidation.finished"])
        guard case .auctionFill(let fill) = fills[0], case .insuranceAbsorbed(let absorbed) = fills[2],
              case .liquidationFinished(let finished) = fills[3] else { Issue.record("no match: case .auctionFill(let fill) = fills[0], case .insuranceAbsorbed(let absorbed) = fills[2], case .liquidationFinished(let finished) = fills[3]"); return }
        #expect(fill.price == price("8987.22"))
        #expect(fill.penalty == .zero)
        #expect(absorbed.amount == money("12.78"))
        #expect(absorbed.fundAfter == money("4987.22"))
        #expect(finished.shortfall == money("12.78"))
        #expect(finished.insurancePaid == money("12.78"))
        #expect(finished.equityAfter == .zero)
        #expect(driver.view("alice").cash == .zero)
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// At 9,040 alice is in the zone (equity 40, MM 36.16, top 43.392): margin call, deadline
    /// t + 300,000. When the deadline has passed and she is still in the zone, the next event
    /// starts her liquidation with trigger `margin_call_expired`. Sizing: closing 0.25 at 9,040
    /// costs 2,260 × 0.00100005 = 2.260113, leaving 37.739887 ≥ 0.75 × 43.392 = 32.544 → 0.25.
    @Test func anExpiredMarginCallStartsALiquidation() {
        var driver = longAtTenThousand()
        guard case .marginCall(let call)? = driver.send(oracle("BTC-PERP", "9040")).first else {
            Issue.record("no margin call")
            return
        }
        driver.time = call.deadline! + 1
        let derived = driver.send(oracle("BTC-PERP", "9040"))
        guard case .liquidationStarted(let started)? = derived.first(where: { $0.kind == .liquidationStarted }) else {
            Issue.record("no liquidation: \(derived.map(\.kindName))")
            return
        }
        #expect(started.trigger == .marginCallExpired)
        #expect(started.equity == money("40"))
        #expect(started.qty == qty("0.25"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// cusp 0.99 allows the price to move 1 % of its start (9,210.6 × 0.01 = 92.106). After one
    /// 10 s step it is 9,118.494 (moved exactly 92.106: kept); after two, 9,027.28906 (moved
    /// 183.31, and still above the bankruptcy price 9,000): reset from the mark, 9,030 × 1.02.
    @Test func anAuctionPastItsCuspIsReset() {
        var driver = longAtTenThousand()
        driver.send(params { $0.cusp = rate("0.99") })
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9030")).last else {
            Issue.record("no auction")
            return
        }
        driver.time += 10_000
        #expect(driver.send(clockTick).isEmpty)
        driver.time += 10_000
        let reset = driver.send(clockTick)
        #expect(reset.map(\.kindName) == ["auction.reset"])
        guard case .auctionReset(let p)? = reset.first else { Issue.record("no match: case .auctionReset(let p)? = reset.first"); return }
        #expect(p.auction == auction.auction)
        #expect(p.startPrice == price("9210.6"))
    }

    /// dustNotional 10: a bid for 0.499 of 0.5 would leave 0.001 × 9,210.6 = 9.2106 < 10, so it is
    /// rejected (`dust_remainder`); 0.498 leaves 18.4212 and fills.
    @Test func aBidLeavingDustIsRejected() {
        var driver = longAtTenThousand()
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9030")).last else {
            Issue.record("no auction")
            return
        }
        let refused = driver.send(bid(auction.auction, "bot1", "0.499", limit: "9300"))
        guard case .auctionBidRejected(let rejection)? = refused.first else { Issue.record("not rejected"); return }
        #expect(rejection.reason == "dust_remainder")
        #expect(driver.send(bid(auction.auction, "bot1", "0.498", limit: "9300")).first?.kindName == "auction.fill")
    }
}
