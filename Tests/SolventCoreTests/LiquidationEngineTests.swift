@testable import SolventCore
import Testing

// Worked examples of the liquidation engine (SPEC §5), with the arithmetic written out.
// Market: BTC-PERP with `specTiers` (first tier: notional ≤ 50,000, mmr 0.004, imr 0.008).
// Parameters: defaults (callBuffer 0.2, callGrace 300 s, liqStep 0.25, auctionBuffer 0.02,
// stairstep 10 s × 0.99, dust 10) except minFee 0.001 and maxFee 0.01 so that a partial close
// can restore an account (a penalty above the MMR never can).


/// alice: 1,000 deposited, long 1 BTC at 10,000 (cash −9,000) against bob; bot1 funded to bid;
/// the insurance fund holds `fund`.
func longAtTenThousand(fund: String = "5000", rules: RulesVersion = defaultTestRules) -> LedgerDriver {
    var driver = LedgerDriver(rules: rules)
    driver.send(listed("BTC-PERP"))
    driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
    driver.send(oracle("BTC-PERP", "10000"))
    driver.send(deposit("alice", "1000"))
    driver.send(deposit("bob", "100000"))
    driver.send(deposit("bot1", "100000"))
    driver.send(insuranceDeposit(fund))
    driver.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000"))
    return driver
}

/// carol: 1,000 deposited, short 1 BTC at 10,000 (cash 11,000) against dave; bot1 funded to bid.
func shortAtTenThousand() -> LedgerDriver {
    var driver = LedgerDriver()
    driver.send(listed("BTC-PERP"))
    driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
    driver.send(oracle("BTC-PERP", "10000"))
    driver.send(deposit("carol", "1000"))
    driver.send(deposit("dave", "100000"))
    driver.send(deposit("bot1", "100000"))
    driver.send(trade("BTC-PERP", buyer: "dave", seller: "carol", "1", at: "10000"))
    return driver
}

extension Event {
    var kindName: String { kind.name }
}

@Suite("Liquidation engine: worked examples")
struct LiquidationEngineTests {
    /// Equity at P is 1,000 + (P − 10,000) = P − 9,000; MM = 0.004·P; zone top = 1.2·MM = 0.0048·P.
    /// At 9,040: equity 40, MM 36.16, zone top 43.392 → margin call, deadline = time + 300,000.
    @Test func enteringTheZoneCallsAndLeavingItClears() {
        var driver = longAtTenThousand()
        let call = driver.send(oracle("BTC-PERP", "9040"))
        guard case .marginCall(let p)? = call.first, call.count == 1 else { Issue.record("expected a margin call, got \(call)"); return }
        #expect(p.equity == money("40"))
        #expect(p.mm == money("36.16"))
        #expect(p.deadline == driver.time + 300_000)
        #expect(driver.view("alice").state == .marginCall)
        // At 9,100: equity 100 > 0.0048 × 9,100 = 43.68 → cleared.
        let cleared = driver.send(oracle("BTC-PERP", "9100"))
        #expect(cleared.map(\.kindName) == ["margin.call.cleared"])
        #expect(driver.view("alice").state == .healthy)
        // A price that crosses nobody's trigger derives nothing.
        #expect(driver.send(oracle("BTC-PERP", "9500")).isEmpty)
    }

    /// At 9,030: equity 30 ≤ MM 36.12 → liquidation (maintenance). Closing x of the position at
    /// the mark keeps equity but for the penalty (≈ 0.001 × 9,030·x) and cuts MM to 36.12·(1 − x);
    /// leaving the zone needs 30 − 9.03x ≥ 43.344·(1 − x), x ≥ 0.389 → 2 steps of 0.25: 0.5 BTC.
    /// Auction start 9,030 × 1.02 = 9,210.6; bankruptcy price: −9,000 + P = 0 → 9,000.
    /// bot1 bids 0.5 at once at 9,210.6: alice receives 4,605.3; penalty rate
    /// 0.001 + 0.009 × (4,515 / 1,000,000)² = 0.00100018347… → 0.00100019 (up);
    /// penalty 4,605.3 × 0.00100019 = 4.606175007 → 4.60617501 (up).
    /// Afterwards: cash −4,399.30617501, equity at 9,030 = 115.69382499 > 1.2 × 18.06: healthy.
    @Test func aLongIsPartiallyLiquidatedThroughAnAuctionAndRecovers() throws {
        var driver = longAtTenThousand()
        let derived = driver.send(oracle("BTC-PERP", "9030"))
        #expect(derived.map(\.kindName) == ["liquidation.started", "auction.started"])
        guard case .liquidationStarted(let started) = derived[0], case .auctionStarted(let auction) = derived[1] else { Issue.record("no match: case .liquidationStarted(let started) = derived[0], case .auctionStarted(let auction) = derived[1]"); return }
        #expect(started.trigger == .maintenance)
        #expect(started.equity == money("30"))
        #expect(started.mm == money("36.12"))
        #expect(started.qty == qty("0.5"))
        #expect(started.positions.count == 1 && started.positions[0].mark == price("9030"))
        #expect(auction.startPrice == price("9210.6"))
        #expect(auction.bankruptcyPrice == price("9000"))
        #expect(auction.qty == qty("-0.5"))
        #expect(driver.view("alice").state == .liquidating)

        let fills = driver.send(bid(auction.auction, "bot1", "0.5", limit: "9300"))
        #expect(fills.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished"])
        guard case .auctionFill(let fill) = fills[0], case .liquidationFinished(let finished) = fills[2] else { Issue.record("no match: case .auctionFill(let fill) = fills[0], case .liquidationFinished(let finished) = fills[2]"); return }
        #expect(fill.price == price("9210.6"))
        #expect(fill.qty == qty("0.5"))
        #expect(fill.penalty == money("4.60617501"))
        #expect(finished.penaltyPaid == money("4.60617501"))
        #expect(finished.shortfall == .zero)
        let alice = driver.view("alice")
        #expect(alice.state == .healthy)
        #expect(alice.cash == money("-4399.30617501"))
        #expect(alice.positions.first?.qty == qty("0.5"))
        #expect(driver.view("bot1").positions.first?.qty == qty("0.5"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// A short mirrored: carol sells 1 BTC at 10,000 with 1,000 (cash 11,000): equity = 11,000 − P,
    /// liquidated at 11,000 − P ≤ 0.004·P → P ≥ 10,956.17…; at 10,970: equity 30, MM 43.88.
    /// The engine buys back; its price rises from 10,970 × 0.98 = 10,750.6.
    @Test func aShortIsBoughtBackByARisingAuction() {
        var driver = shortAtTenThousand()
        let derived = driver.send(oracle("BTC-PERP", "10970"))
        #expect(derived.map(\.kindName) == ["liquidation.started", "auction.started"])
        guard case .auctionStarted(let auction) = derived.last else { Issue.record("no match: case .auctionStarted(let auction) = derived.last"); return }
        #expect(auction.startPrice == price("10750.6"))
        #expect(auction.qty.isPositive)
        // A limit above the auction's price is a seller asking too much: not filled, logged.
        let refused = driver.send(bid(auction.auction, "bot1", "1", limit: "10800"))
        #expect(refused.map(\.kindName) == ["auction.bid.rejected"])
        driver.time += 20_000
        let filled = driver.send(bid(auction.auction, "bot1", "1", limit: "10000"))
        #expect(filled.first?.kindName == "auction.fill")
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// No bid comes: the stairstep price falls 1 % per 10 s from 9,210.6 towards the bankruptcy
    /// price 9,000 (0.99^3 × 9,210.6 = 8,937.… < 9,000 after 30 s): a clock then closes the rest
    /// at 9,000 against the insurance fund, which can carry 0.5 BTC; alice ends with no shortfall.
    @Test func aStuckAuctionIsBackstoppedByTheFund() {
        var driver = longAtTenThousand()
        let derived = driver.send(oracle("BTC-PERP", "9030"))
        guard case .auctionStarted = derived.last else { Issue.record("no auction"); return }
        driver.time += 10_000
        #expect(driver.send(clockTick).isEmpty)
        driver.time += 20_000
        let backstop = driver.send(clockTick)
        #expect(backstop.map(\.kindName).prefix(3) == ["auction.fill", "auction.ended", "liquidation.finished"])
        guard case .auctionFill(let fill) = backstop[0] else { Issue.record("no match: case .auctionFill(let fill) = backstop[0]"); return }
        #expect(fill.bidder == .insurance)
        #expect(fill.price == price("9000"))
        #expect(driver.view("insurance").positions.first?.qty == qty("0.5"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// Recovery after a fill above the bankruptcy price (EnginePropertyTests seed 45's endless
    /// resets). At 9,030 alice's 0.5 BTC goes to auction from 9,210.6. bot1 takes 0.25 at once:
    /// proceeds 0.25 × 9,210.6 = 2,302.65; penalty 2,302.65 × 0.00100019 = 2.3030875035 →
    /// 2.30308751 (up); cash −9,000 + 2,302.65 − 2.30308751 = −6,699.65308751. Holding 0.75 at
    /// 9,030 (value 6,772.5): equity 72.84691249, MM 0.004 × 6,772.5 = 27.09, zone top 32.508:
    /// healthy, so the other 0.25 is not sold: `auction.ended {recovered, remaining 0.25}`.
    @Test func aFillThatRestoresTheAccountEndsTheAuctionAsRecovered() {
        var driver = longAtTenThousand()
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9030")).last else { Issue.record("no auction"); return }
        let derived = driver.send(bid(auction.auction, "bot1", "0.25", limit: "9300"))
        #expect(derived.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished"])
        guard case .auctionFill(let fill) = derived[0], case .auctionEnded(let ended) = derived[1],
              case .liquidationFinished(let finished) = derived[2] else { Issue.record("no match: case .auctionFill(let fill) = derived[0], case .auctionEnded(let ended) = derived[1], case .liquidationFinished(let finished) = derived[2]"); return }
        #expect(fill.penalty == money("2.30308751"))
        #expect(ended.reason == "recovered")
        #expect(ended.remaining == qty("0.25"))
        #expect(finished.closedQty == qty("0.25") && finished.shortfall == .zero)
        #expect(finished.equityAfter == money("72.84691249"))
        #expect(driver.view("alice").state == .healthy)
        #expect(driver.view("alice").positions.first?.qty == qty("0.75"))
        #expect(driver.ledger.engine.auctions.isEmpty && driver.ledger.engine.liquidations.isEmpty)
    }

    /// Recovery after a deposit: liquidated at 9,030 (equity 30), alice deposits 1,000: equity
    /// 1,030 ≥ zone top 43.344 (MM 36.12). Her auction ends `recovered` with all 0.5 unsold, the
    /// liquidation finishes having closed nothing, and she is healthy again.
    @Test func aDepositToALiquidatedAccountEndsItsAuctionAsRecovered() {
        var driver = longAtTenThousand()
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9030")).last else { Issue.record("no auction"); return }
        let derived = driver.send(deposit("alice", "1000")).filter { $0.kind == .auctionEnded || $0.kind == .liquidationFinished }
        #expect(derived.map(\.kindName) == ["auction.ended", "liquidation.finished"])
        guard case .auctionEnded(let ended)? = derived.first, case .liquidationFinished(let finished)? = derived.last else { Issue.record("no match: case .auctionEnded(let ended)? = derived.first, case .liquidationFinished(let finished)? = derived.last"); return }
        #expect(ended.auction == auction.auction && ended.reason == "recovered" && ended.remaining == qty("0.5"))
        #expect(finished.closedQty == .zero && finished.equityAfter == money("1030"))
        #expect(driver.view("alice").state == .healthy)
    }

    /// Recovery seen on `clock`: the price climbs back to 9,100 while alice's auction runs (an
    /// oracle tick does not look at a liquidating account). Equity 100 ≥ zone top 1.2 × 36.4 =
    /// 43.68: the next clock ends the auction `recovered` instead of moving its curve.
    @Test func aClockAfterThePriceRecoveredEndsTheAuction() {
        var driver = longAtTenThousand()
        guard case .auctionStarted = driver.send(oracle("BTC-PERP", "9030")).last else { Issue.record("no auction"); return }
        #expect(driver.send(oracle("BTC-PERP", "9100")).isEmpty)
        driver.time += 10_000
        let derived = driver.send(clockTick)
        #expect(derived.map(\.kindName) == ["auction.ended", "liquidation.finished"])
        guard case .auctionEnded(let ended)? = derived.first else { Issue.record("no match: case .auctionEnded(let ended)? = derived.first"); return }
        #expect(ended.reason == "recovered" && ended.remaining == qty("0.5"))
        #expect(driver.view("alice").state == .healthy)
    }

    /// An auction older than `tail` restarts from the current mark.
    @Test func anAuctionPastItsTailIsReset() {
        var driver = longAtTenThousand()
        driver.send(params { $0.tail = 5_000; $0.cut = rate("0.9999") })
        let derived = driver.send(oracle("BTC-PERP", "9030"))
        guard case .auctionStarted(let auction) = derived.last else { Issue.record("no auction"); return }
        driver.time += 6_000
        let reset = driver.send(clockTick)
        #expect(reset.map(\.kindName) == ["auction.reset"])
        guard case .auctionReset(let p) = reset.first else { Issue.record("no match: case .auctionReset(let p) = reset.first"); return }
        #expect(p.auction == auction.auction)
        #expect(p.startPrice == price("9210.6"))
    }

    /// With a zero fund the backstop cannot carry the position: the short side ranked by
    /// PnL% × leverage takes it at the bankruptcy price (ADL), and no more than the remainder.
    @Test func anEmptyFundLeadsToADL() {
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
        driver.send(oracle("BTC-PERP", "10000"))
        driver.send(deposit("alice", "1000"))
        driver.send(deposit("bob", "3000"))
        driver.send(deposit("erin", "50000"))
        driver.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.6", at: "10000"))
        driver.send(trade("BTC-PERP", buyer: "alice", seller: "erin", "0.4", at: "10000"))
        let derived = driver.send(oracle("BTC-PERP", "9030"))
        guard case .auctionStarted = derived.last else { Issue.record("no auction: \(derived)"); return }
        driver.time += 40_000
        let adl = driver.send(clockTick)
        let kinds = adl.map(\.kindName)
        #expect(kinds.contains("adl"))
        #expect(kinds.contains("liquidation.finished"))
        // bob is ranked first: same PnL% as erin, far higher leverage.
        guard case .adl(let first)? = adl.first(where: { $0.kind == .adl }) else { Issue.record("no match: case .adl(let first)? = adl.first(where: { $0.kind == .adl })"); return }
        #expect(first.account == id("bob"))
        #expect(first.price == price("9000"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    /// ADL takes from a thin counterparty only what keeps its equity ≥ 0. alice (1,000) buys
    /// 1 BTC from erin (50,000) at 10,000; at 9,030 her auction of 0.5 starts, bankruptcy
    /// price 9,000. While it runs the mark falls: at 8,700 bob (100) sells dave 0.6 (cash
    /// 100 + 5,220 = 5,320); at 8,500 bob's equity is 5,320 − 5,100 = 220 (MM 20.4: healthy).
    /// After 30 s the curve (9,210.6 × 0.99³ = 8,937.…) is past 9,000; the fund is empty, so
    /// ADL. bob ranks first: PnL% 120 / 5,220 = 2.3 % × leverage 5,100 / 220 = 23.2, against
    /// erin's 15 % × 8,500 / 51,500 = 0.165. Buying back at 9,000 with the mark at 8,500 costs
    /// 500 per BTC: all 0.5 would cost him 250 > 220 (equity −30, unrecorded bad debt). He takes
    /// 220 / 500 = 0.44 (cash 5,320 − 3,960 = 1,360, short 0.16 worth −1,360: equity 0), and
    /// erin, next, the other 0.06.
    @Test func adlTakesFromAThinCounterpartyOnlyWhatKeepsItsEquityNonNegative() {
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
        driver.send(oracle("BTC-PERP", "10000"))
        for (name, amount) in [("alice", "1000"), ("erin", "50000"), ("bob", "100"), ("dave", "100000")] { driver.send(deposit(name, amount)) }
        driver.send(trade("BTC-PERP", buyer: "alice", seller: "erin", "1", at: "10000"))
        guard case .auctionStarted(let auction)? = driver.send(oracle("BTC-PERP", "9030")).last else { Issue.record("no auction"); return }
        #expect(auction.bankruptcyPrice == price("9000"))
        driver.send(oracle("BTC-PERP", "8700"))
        driver.send(trade("BTC-PERP", buyer: "dave", seller: "bob", "0.6", at: "8700"))
        driver.send(oracle("BTC-PERP", "8500"))
        #expect(driver.ledger.margin(id("bob"))?.equity == money("220"))
        driver.time += 30_000
        let derived = driver.send(clockTick)
        let adls = derived.compactMap { event -> ADL? in if case .adl(let p) = event { p } else { nil } }
        #expect(adls.map(\.account) == [id("bob"), id("erin")])
        #expect(adls.map(\.qty) == [qty("0.44"), qty("0.06")])
        #expect(adls.allSatisfy { $0.price == price("9000") })
        #expect(driver.ledger.margin(id("bob"))?.equity == .zero)
        #expect(driver.view("bob").positions.first?.qty == qty("-0.16"))
        #expect(driver.ledger.invariantViolations().isEmpty)
    }

    @Test func snapshotsCarryTheEngineState() throws {
        var driver = longAtTenThousand()
        driver.send(oracle("BTC-PERP", "9030"))
        let restored = try Ledger(snapshot: driver.ledger.encodeSnapshot())
        #expect(restored.encodeSnapshot() == driver.ledger.encodeSnapshot())
        #expect(replay(driver.log) == driver.ledger)
    }

    @Test func bidsOnUnknownAuctionsAndSelfBidsAreRefused() {
        var driver = longAtTenThousand()
        let derived = driver.send(oracle("BTC-PERP", "9030"))
        guard case .auctionStarted(let auction) = derived.last else { Issue.record("no match: case .auctionStarted(let auction) = derived.last"); return }
        #expect(throws: InputError.self) { try driver.ledger.check(bid(auction.auction + 100, "bot1", "0.5", limit: "9300")) }
        #expect(throws: InputError.self) { try driver.ledger.check(bid(auction.auction, "alice", "0.5", limit: "9300")) }
        #expect(throws: InputError.self) { try driver.ledger.check(bid(auction.auction, "bot1", "0.0005", limit: "9300")) }
    }
}
