@testable import SolventCore
import Testing

// Worked examples of the cascade guards (SPEC §5.9; semantics in OracleGuard.swift and
// AuctionCaps.swift), with the arithmetic written out. Market and parameters as in
// LiquidationEngineTests (`longAtTenThousand`): defaults except minFee 0.001, maxFee 0.01, so
// maxJump 0.3, confirmations 3, maxStaleness 60 s, stairstep 10 s × 0.99, auctionBuffer 0.02.
// The driver adds 1 ms per record.

/// a1, a2, a3: 1,000 each, long 1 BTC at 10,000 against bob; bot1 funded to bid; `caps` sets the
/// auction caps. Each long is liquidated at 9,030 exactly like alice in the engine examples:
/// equity 30 ≤ MM 36.12, close 0.5 BTC through an auction from 9,030 × 1.02 = 9,210.6, whose cap
/// notional is 0.5 × 9,210.6 = 4,605.3.
/// Rules 1: under rules 2 the bid on a2's auction after the recovery to 9,500 first applies the
/// clock's step, which ends the auction `recovered` before the bid (the same outcome a clock would
/// give); the deferral rules themselves are the same under both.
private func threeLongs(caps: ParamsSet) -> LedgerDriver {
    var driver = LedgerDriver(rules: .v1)
    driver.send(listed("BTC-PERP"))
    driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") })
    driver.send(.paramsSet(caps))
    driver.send(oracle("BTC-PERP", "10000"))
    for account in ["a1", "a2", "a3"] { driver.send(deposit(account, "1000")) }
    driver.send(deposit("bob", "100000"))
    driver.send(deposit("bot1", "100000"))
    for account in ["a1", "a2", "a3"] { driver.send(trade("BTC-PERP", buyer: account, seller: "bob", "1", at: "10000")) }
    return driver
}

private func globalCap(_ amount: String) -> ParamsSet {
    var p = ParamsSet()
    p.holeGlobal = money(amount)
    return p
}

private func marketCap(_ amount: String) -> ParamsSet {
    var p = ParamsSet()
    p.market = id("BTC-PERP")
    p.holeMarket = money(amount)
    return p
}

/// The driver's state survives a snapshot, and replaying its log from genesis gives it back.
private func expectSnapshotAndReplayAgree(_ driver: LedgerDriver) throws {
    let bytes = driver.ledger.encodeSnapshot()
    let restored = try Ledger(snapshot: bytes)
    #expect(restored.encodeSnapshot() == bytes)
    #expect(replay(driver.log, onto: Ledger(rules: driver.ledger.rules)) == driver.ledger)
    #expect(driver.ledger.invariantViolations().isEmpty)
}

@Suite("Cascade guards: worked examples")
struct CascadeGuardTests {
    /// alice (long 1 at 10,000, 1,000 cash: equity = P − 9,000) would be bankrupt at 6,000.
    /// 6,000 moves |6,000 − 10,000| = 4,000 > 0.3 × 10,000 = 3,000 from the last accepted price:
    /// held, no liquidation. 10,010 is within 3,000 of 10,000: accepted, the hold is cleared.
    /// A real crash then needs 3 agreeing prices: 6,000 (held, 1), 6,100 (|100| ≤ 0.3 × 6,000 =
    /// 1,800 of the first held: 2), 5,900 (|−100| ≤ 1,800: 3 = confirmations) is accepted.
    /// At 5,900: equity −3,100 ≤ MM 0.004 × 5,900 = 23.6; no partial close can leave the zone
    /// with negative equity, so all 1 BTC goes to auction from 5,900 × 1.02 = 6,018.
    @Test func aPriceGlitchIsHeldAndAConfirmedMoveIsAccepted() throws {
        var driver = longAtTenThousand()
        let glitch = driver.send(oracle("BTC-PERP", "6000"))
        #expect(glitch.map(\.kindName) == ["oracle.rejected"])
        guard case .oracleRejected(let rejected) = glitch.first else { Issue.record("no match: case .oracleRejected(let rejected) = glitch.first"); return }
        #expect(rejected.price == price("6000"))
        #expect(rejected.lastPrice == price("10000"))
        #expect(rejected.reason == "jump")
        #expect(driver.ledger.mark(market: id("BTC-PERP")) == price("10000"))
        #expect(driver.view("alice").state == .healthy)

        #expect(driver.send(oracle("BTC-PERP", "10010")).isEmpty)
        #expect(driver.ledger.markets[0].heldPrice == nil)

        let first = driver.send(oracle("BTC-PERP", "6000"))
        let second = driver.send(oracle("BTC-PERP", "6100"))
        #expect(first.map(\.kindName) == ["oracle.rejected"])
        #expect(second.map(\.kindName) == ["oracle.rejected"])
        guard case .oracleRejected(let held)? = second.first else { Issue.record("no match: case .oracleRejected(let held)? = second.first"); return }
        #expect(held.lastPrice == price("10010"))
        #expect(driver.ledger.markets[0].heldCount == 2)
        try expectSnapshotAndReplayAgree(driver)

        let accepted = driver.send(oracle("BTC-PERP", "5900"))
        #expect(accepted.map(\.kindName) == ["liquidation.started", "auction.started"])
        #expect(driver.ledger.mark(market: id("BTC-PERP")) == price("5900"))
        guard case .liquidationStarted(let started) = accepted[0], case .auctionStarted(let auction) = accepted[1] else { Issue.record("no match: case .liquidationStarted(let started) = accepted[0], case .auctionStarted(let auction) = accepted[1]"); return }
        #expect(started.equity == money("-3100"))
        #expect(started.mm == money("23.6"))
        #expect(started.qty == qty("1"))
        #expect(auction.startPrice == price("6018"))
        try expectSnapshotAndReplayAgree(driver)
    }

    /// A held price that a disagreeing one follows starts over: 6,000 (held, 1), then 14,000 is
    /// 4,000 from 10,000 and 8,000 > 1,800 from 6,000: a new hold with 14,000 first (count 1).
    @Test func aDisagreeingJumpStartsANewHold() {
        var driver = longAtTenThousand()
        driver.send(oracle("BTC-PERP", "6000"))
        #expect(driver.send(oracle("BTC-PERP", "14000")).map(\.kindName) == ["oracle.rejected"])
        #expect(driver.ledger.markets[0].heldPrice == price("14000"))
        #expect(driver.ledger.markets[0].heldCount == 1)
    }

    /// Cap 5,000 (global, or BTC-PERP's own), each auction 4,605.3. At 9,030 all three longs are
    /// due, in account order: a1's auction starts (nothing runs: 4,605.3); a2 would make 9,210.6
    /// > 5,000: deferred; a3 likewise (and a2 is ahead of it). Both are flagged liquidating.
    /// bot1 takes a1's 0.5 at 9,210.6: the auction ends, room frees, and the queue is walked in
    /// order: a2 (still equity 30 ≤ 36.12) starts; a3 would exceed the cap again and waits.
    /// The price recovers to 9,500 (a3: equity 500 > 1.2 × 38 = 45.6) before a2's auction fills:
    /// a3 then leaves the queue healthy, without a liquidation.
    @Test(arguments: [("hole_global", globalCap("5000")), ("hole_market", marketCap("5000"))])
    func anAuctionCapDefersACascadeAndStartsItAsRoomFrees(reason: String, caps: ParamsSet) throws {
        var driver = threeLongs(caps: caps)
        let cascade = driver.send(oracle("BTC-PERP", "9030"))
        #expect(cascade.map(\.kindName) == ["liquidation.started", "auction.started", "liquidation.deferred", "liquidation.deferred"])
        guard case .auctionStarted(let first) = cascade[1], case .liquidationDeferred(let deferred) = cascade[2] else { Issue.record("no match: case .auctionStarted(let first) = cascade[1], case .liquidationDeferred(let deferred) = cascade[2]"); return }
        #expect(deferred.account == id("a2"))
        #expect(deferred.market == id("BTC-PERP"))
        #expect(deferred.reason == reason)
        #expect(driver.view("a2").state == .liquidating)
        #expect(driver.view("a3").state == .liquidating)
        // A deferred account may not open exposure.
        #expect(driver.send(trade("BTC-PERP", buyer: "a2", seller: "bob", "0.1", at: "9030")).map(\.kindName) == ["trade.rejected"])
        try expectSnapshotAndReplayAgree(driver)

        let freed = driver.send(bid(first.auction, "bot1", "0.5", limit: "9300"))
        #expect(freed.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished", "liquidation.started", "auction.started"])
        guard case .liquidationStarted(let started) = freed[3], case .auctionStarted(let second) = freed[4] else { Issue.record("no match: case .liquidationStarted(let started) = freed[3], case .auctionStarted(let second) = freed[4]"); return }
        #expect(started.account == id("a2"))
        #expect(started.qty == qty("0.5"))
        #expect(second.startPrice == price("9210.6"))
        #expect(driver.ledger.engine.deferred.map(\.account) == [driver.ledger.accounts.index(of: id("a3"))!])
        try expectSnapshotAndReplayAgree(driver)

        #expect(driver.send(oracle("BTC-PERP", "9500")).isEmpty)
        let recovered = driver.send(bid(second.auction, "bot1", "0.5", limit: "9300"))
        #expect(recovered.map(\.kindName) == ["auction.fill", "auction.ended", "liquidation.finished"])
        #expect(driver.ledger.engine.deferred.isEmpty)
        #expect(driver.view("a3").state == .healthy)
        #expect(driver.view("a3").positions.first?.qty == qty("1"))
        try expectSnapshotAndReplayAgree(driver)
    }

    /// The last accepted price came at t = 1,003 (third record). A clock 61 s later (t = 62,009:
    /// 61,006 > 60,000) halts the market, once. Funding 0.0955 costs alice 1 × 10,000 × 0.0955 =
    /// 955: equity 45, MM 40, zone top 48 → a margin call, still recorded during the halt. Funding
    /// 0.0015 costs 15 more: equity 30 ≤ 40 → due, but nothing starts while halted. A fresh 10,000
    /// resumes the market and every holder is assessed: alice is liquidated. Closing x at 10,000
    /// costs ≈ 10x of penalty and leaves MM 40(1 − x): 30 − 10x ≥ 48(1 − x) needs x ≥ 0.474 → 0.5
    /// (penalty 5,000 × 0.00100023 = 5.00115: equity 24.99885 ≥ 24). Auction from 10,200.
    /// Its bankruptcy price is 9,970 (cash −9,970); 61 s on, the stairstep would be at
    /// 10,200 × 0.99^6 < 9,970 and backstop, but the market halts first: the auction stands still,
    /// a bid is rejected `market_halted`, and the fresh price restarts it from 10,200.
    @Test func aStaleMarketIsHaltedThenResumed() throws {
        var driver = longAtTenThousand()
        driver.time += 61_000
        let halt = driver.send(clockTick)
        #expect(halt.map(\.kindName) == ["market.halted"])
        guard case .marketHalted(let halted) = halt.first else { Issue.record("no match: case .marketHalted(let halted) = halt.first"); return }
        #expect(halted.reason == "stale")
        #expect(halted.lastPriceTime == 1_003)
        #expect(driver.send(clockTick).isEmpty)

        #expect(driver.send(funding("BTC-PERP", "0.0955")).map(\.kindName) == ["margin.call"])
        #expect(driver.send(funding("BTC-PERP", "0.0015")).isEmpty)
        #expect(driver.ledger.margin(id("alice"))?.equity == money("30"))
        #expect(driver.view("alice").state == .marginCall)
        try expectSnapshotAndReplayAgree(driver)

        let resumed = driver.send(oracle("BTC-PERP", "10000"))
        #expect(resumed.map(\.kindName) == ["market.resumed", "liquidation.started", "auction.started"])
        guard case .marketResumed(let resume) = resumed[0], case .liquidationStarted(let started) = resumed[1],
              case .auctionStarted(let auction) = resumed[2] else { Issue.record("no match: case .marketResumed(let resume) = resumed[0], case .liquidationStarted(let started) = resumed[1], case .auctionStarted(let auction) = resumed[2]"); return }
        #expect(resume.price == price("10000"))
        #expect(started.trigger == .maintenance)
        #expect(started.qty == qty("0.5"))
        #expect(auction.startPrice == price("10200"))
        #expect(auction.bankruptcyPrice == price("9970"))

        driver.time += 61_000
        #expect(driver.send(clockTick).map(\.kindName) == ["market.halted"])
        let refused = driver.send(bid(auction.auction, "bot1", "0.5", limit: "10300"))
        guard case .auctionBidRejected(let rejection)? = refused.first else { Issue.record("expected a rejection: \(refused)"); return }
        #expect(rejection.reason == "market_halted")
        try expectSnapshotAndReplayAgree(driver)

        let restart = driver.send(oracle("BTC-PERP", "10000"))
        #expect(restart.map(\.kindName) == ["market.resumed", "auction.reset"])
        guard case .auctionReset(let reset) = restart.last else { Issue.record("no match: case .auctionReset(let reset) = restart.last"); return }
        #expect(reset.reason == "resumed")
        #expect(reset.startPrice == price("10200"))
        try expectSnapshotAndReplayAgree(driver)
    }

    /// Guard state in the middle of everything: a deferral queue, a held price and a halted
    /// market all survive a snapshot, and snapshot + the rest of the log = the live ledger.
    @Test func guardStateRoundTripsThroughASnapshotAndTheTailReplays() throws {
        var driver = threeLongs(caps: marketCap("5000"))
        driver.send(oracle("BTC-PERP", "9030"))
        driver.send(oracle("BTC-PERP", "4000"))  // 5,030 > 0.3 × 9,030 = 2,709: held
        driver.time += 61_000
        driver.send(clockTick)
        let restored = try Ledger(snapshot: driver.ledger.encodeSnapshot())
        #expect(restored.engine.deferred.count == 2)
        #expect(restored.markets[0].heldPrice == price("4000"))
        #expect(restored.markets[0].heldCount == 1)
        #expect(restored.markets[0].halted)
        #expect(restored == driver.ledger)
        let cut = driver.log.count
        driver.send(oracle("BTC-PERP", "9030"))
        driver.send(oracle("BTC-PERP", "9000"))
        #expect(replay(driver.log[cut...], onto: restored) == driver.ledger)
        try expectSnapshotAndReplayAgree(driver)
    }

    /// callGrace 5 s, BTC-PERP cap 5,000. At 9,030, a1 (1,000: equity 30 ≤ 36.12) is liquidated
    /// (auction 4,605.3) and a2 (1,010: equity 40, 36.12 < 40 < 43.344) gets a margin call. 5,001 ms
    /// later a clock expires the call (the auction, 5 s < one 10 s step, has not moved): a2 is due
    /// but its auction would make 9,210.6 > 5,000, so it is deferred. When a1's auction fills, a2
    /// is still only in the zone — yet the deferral must not grant it a new grace period: it starts
    /// with trigger `margin_call_expired`.
    @Test func aDeferredExpiredMarginCallStaysDue() throws {
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01"); $0.callGrace = 5_000 })
        driver.send(.paramsSet(marketCap("5000")))
        driver.send(oracle("BTC-PERP", "10000"))
        driver.send(deposit("a1", "1000"))
        driver.send(deposit("a2", "1010"))
        driver.send(deposit("bob", "100000"))
        driver.send(deposit("bot1", "100000"))
        for account in ["a1", "a2"] { driver.send(trade("BTC-PERP", buyer: account, seller: "bob", "1", at: "10000")) }
        let cascade = driver.send(oracle("BTC-PERP", "9030"))
        #expect(cascade.map(\.kindName) == ["liquidation.started", "auction.started", "margin.call"])
        guard case .auctionStarted(let first) = cascade[1] else { Issue.record("no match: case .auctionStarted(let first) = cascade[1]"); return }
        driver.time += 5_000
        let expired = driver.send(clockTick)
        #expect(expired.map(\.kindName) == ["liquidation.deferred"])
        #expect(driver.view("a2").state == .liquidating)
        let freed = driver.send(bid(first.auction, "bot1", "0.5", limit: "9300"))
        #expect(freed.map(\.kindName).suffix(2) == ["liquidation.started", "auction.started"])
        guard case .liquidationStarted(let started)? = freed.dropLast().last else { Issue.record("no match: case .liquidationStarted(let started)? = freed.dropLast().last"); return }
        #expect(started.account == id("a2"))
        #expect(started.trigger == .marginCallExpired)
        try expectSnapshotAndReplayAgree(driver)
    }

    /// A snapshot naming an unknown deferral wait is refused, not guessed.
    @Test func aSnapshotWithABadDeferralIsRefused() throws {
        var driver = threeLongs(caps: marketCap("5000"))
        driver.send(oracle("BTC-PERP", "9030"))
        var bytes = driver.ledger.encodeSnapshot()
        bytes[bytes.count - 1] = 9  // the last queued entry's wait byte
        #expect(throws: CodecError.self) { try Ledger(snapshot: bytes) }
    }
}
