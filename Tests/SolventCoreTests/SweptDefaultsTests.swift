@testable import SolventCore
import Testing

// Rules 3's defaults (docs/PARAMETERS.md "Defaults by engine rules", chosen from the crash-day
// sweep in docs/CASCADES.md "Defaults from evidence") on the worked example of
// LiquidationEngineTests, with no `params.set` at all: alice, 1,000 deposited, long 1 BTC at
// 10,000 (cash −9,000); tier 0: mmr 0.004. Equity at P is P − 9,000; MM = 0.004·P; the zone's top
// is (1 + callBuffer 1)·MM = 0.008·P.
@Suite("Rules 3: the swept defaults")
struct SweptDefaultsTests {
    static func aliceLong() -> LedgerDriver {
        var driver = LedgerDriver(rules: .v3)
        driver.send(listed("BTC-PERP"))
        driver.send(oracle("BTC-PERP", "10000"))
        driver.send(deposit("alice", "1000"))
        driver.send(deposit("bob", "100000"))
        driver.send(deposit("bot1", "100000"))
        driver.send(insuranceDeposit("5000"))
        driver.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000"))
        return driver
    }

    @Test func theDefaultsAreTheSweptSetAndRules2KeepsItsOwn() {
        let swept = RiskParams(rules: .v3)
        #expect(swept.callBuffer == .one && swept.callGraceMs == 5_000)
        #expect(swept.minFee == rate("0.002") && swept.maxFee == rate("0.02") && swept.liqStep == rate("0.5"))
        #expect(swept.curve == .exponential && swept.cut == rate("0.9998") && swept.auctionBuffer == .zero)
        #expect(swept.tailMs == 60_000 && swept.cusp == rate("0.6"))
        #expect(swept.fundImr == rate("0.25") && swept.fundMmr == rate("0.125"))
        // A partial close must be able to leave the zone: the penalty below tier 0's 0.4 %.
        #expect(swept.minFee < rate("0.004"))
        #expect(RiskParams(rules: .v1) == RiskParams(rules: .v2))
        #expect(RiskParams(rules: .v2).minFee == rate("0.005") && RiskParams(rules: .v2).curve == .stairstep)
        #expect(Ledger(rules: .v3).global.params == swept)
        #expect(Ledger(rules: .v2).global.params == RiskParams(rules: .v2))
    }

    /// At 9,070: equity 70, MM 36.28, zone top 72.56 → margin call, deadline 5 s later. After
    /// it, still in the zone, her liquidation starts (`margin_call_expired`) with equity left.
    /// Sizing: closing 0.5 at 9,070 costs 4,535 × feeRate; feeRate = 0.002 + 0.018 × (4,535 /
    /// 1,000,000)² = 0.00200037 (up), penalty 9.07167796 (up), leaving 60.92832204 ≥ zone top
    /// of the rest 0.008 × 4,535 = 36.28 → half the position, not all of it.
    @Test func anAccountInTheZoneIsPartlyLiquidatedAtTheDeadline() {
        var driver = Self.aliceLong()
        guard case .marginCall(let call)? = driver.send(oracle("BTC-PERP", "9070")).first else {
            Issue.record("no margin call")
            return
        }
        #expect(call.equity == money("70"))
        #expect(call.mm == money("36.28"))
        #expect(call.deadline == driver.time + 5_000)
        driver.time = call.deadline! + 1
        let derived = driver.send(oracle("BTC-PERP", "9070"))
        guard case .liquidationStarted(let started)? = derived.first(where: { $0.kind == .liquidationStarted }),
              case .auctionStarted(let auction)? = derived.first(where: { $0.kind == .auctionStarted })
        else {
            Issue.record("no liquidation: \(derived.map(\.kindName))")
            return
        }
        #expect(started.trigger == .marginCallExpired)
        #expect(started.equity == money("70"))
        #expect(started.qty == qty("0.5"))
        // auctionBuffer 0: the auction starts at the mark; the bankruptcy price is 9,000.
        #expect(auction.startPrice == price("9070"))
        #expect(auction.bankruptcyPrice == price("9000"))
        #expect(auction.curve == .exponential)
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// The exponential curve at 0.9998 a second: after 10 s, 9,070 × 0.9998¹⁰ = 9,051.87 (Maker's
    /// `ExponentialDecrease`, AuctionPrice.swift for the rounding). bot1 bids there, above the
    /// bankruptcy price: the fill leaves alice equity, and the penalty is paid in full to the fund.
    @Test func aBidOnTheFineCurveFillsAboveTheBankruptcyPriceAndPaysThePenalty() {
        var driver = Self.aliceLong()
        guard case .marginCall(let call)? = driver.send(oracle("BTC-PERP", "9070")).first else {
            Issue.record("no margin call")
            return
        }
        driver.time = call.deadline! + 1
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9070")).first(where: { $0.kind == .auctionStarted })
        else {
            Issue.record("no auction")
            return
        }
        let fundBefore = driver.view("insurance").cash
        driver.time += 10_000
        let derived = driver.send(bid(auction.auction, "bot1", "0.5", limit: "9060"))
        guard case .auctionFill(let fill)? = derived.first(where: { $0.kind == .auctionFill }) else {
            Issue.record("no fill: \(derived.map(\.kindName))")
            return
        }
        #expect(fill.qty == qty("0.5"))
        #expect(fill.price > price("9000") && fill.price < price("9060"))
        #expect(fill.penalty.isPositive)
        #expect(driver.view("insurance").cash >= fundBefore + fill.penalty)
        #expect(driver.view("alice").equity.isPositive)
        #expect(driver.ledger.invariantViolations().isEmpty)
    }
}
