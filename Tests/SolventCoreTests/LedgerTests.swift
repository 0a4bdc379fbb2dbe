import Testing
@testable import SolventCore

@Suite("Ledger: cash, trades, funding")
struct LedgerTests {
    @Test func depositCreditsCashAndInternsAccountsInOrderOfFirstAppearance() {
        var d = LedgerDriver()
        d.send(deposit("bob", "10"))
        d.send(deposit("alice", "1000.5"))
        d.send(deposit("bob", "5"))
        #expect(d.ledger.accountIDs.map(\.text) == ["insurance", "fees", "bob", "alice"])
        #expect(d.view("alice").cash == money("1000.5"))
        #expect(d.view("bob").cash == money("15"))
        #expect(d.view("bob").available == money("15"))
        #expect(d.ledger.totalCash() == money("1015.5"))
        #expect(d.ledger.account(id("carol")) == nil)
    }

    @Test func withdrawalWithinAvailableIsAcceptedAndBeyondItIsRejectedAndLogged() {
        var d = LedgerDriver()
        d.send(deposit("alice", "100"))
        let accepted = d.send(withdrawal("alice", "40"))
        guard case .withdrawalAccepted(let a) = accepted.first else { Issue.record("expected accepted, got \(accepted)"); return }
        #expect(a.available == money("100"))
        #expect(d.view("alice").cash == money("60"))
        let rejected = d.send(withdrawal("alice", "60.00000001"))
        guard case .withdrawalRejected(let r) = rejected.first else { Issue.record("expected rejected, got \(rejected)"); return }
        #expect(r.reason == "insufficient_available")
        #expect(r.available == money("60"))
        #expect(d.view("alice").cash == money("60"))
        // deposit 1, withdrawal 2 + accepted 3, withdrawal 4 + rejected 5.
        #expect(d.ledger.lastSeq == 5)
    }

    @Test func tradeMovesCashPositionsAndOpenCost() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "1000"))
        d.send(deposit("bob", "1000"))
        let derived = d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000", buyerFee: "2", sellerFee: "1.5"))
        #expect(derived.isEmpty)
        let alice = d.view("alice")
        let bob = d.view("bob")
        #expect(alice.cash == money("-9002"))
        #expect(bob.cash == money("10998.5"))
        #expect(d.view("fees").cash == money("3.5"))
        #expect(alice.positions.map(\.qty) == [qty("1")])
        #expect(bob.positions.map(\.qty) == [qty("-1")])
        #expect(alice.positions.first?.entryPrice == price("10000"))
        #expect(bob.positions.first?.entryPrice == price("10000"))
        // No oracle price yet: the trade price is the provisional mark.
        #expect(alice.positions.first?.mark == price("10000"))
        #expect(alice.equity == money("998"))
        #expect(alice.im == money("80"))        // 10000 × 0.008
        #expect(alice.mm == money("40"))        // 10000 × 0.004 − 0
        #expect(alice.available == money("918"))
        #expect(d.ledger.totalCash() == money("2000"))
        d.ledger.checkInvariants()
    }

    @Test func roundingDustOfATradeGoesToInsurance() {
        var d = LedgerDriver()
        d.send(listed("X", lot: "0.00000001", tick: "0.5", tiers: [tier("1000", mmr: "0.01", imr: "0.1")]))
        d.send(deposit("alice", "1"))
        d.send(deposit("bob", "1"))
        // 0.00000003 × 0.5 = 0.000000015: the buyer pays 0.00000002, the seller gets 0.00000001.
        d.send(trade("X", buyer: "alice", seller: "bob", "0.00000003", at: "0.5"))
        #expect(d.view("alice").cash == money("0.99999998"))
        #expect(d.view("bob").cash == money("1.00000001"))
        #expect(d.view("insurance").cash == money("0.00000001"))
        #expect(d.ledger.totalCash() == money("2"))
    }

    @Test func openCostShrinksProportionallyOnPartialCloseAndRestartsOnFlip() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "10000"))
        d.send(deposit("bob", "10000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "3", at: "100"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "104"))
        #expect(d.ledger.positions(id("alice")).first?.openCost == money("404"))
        // Sell 1 of 4: open cost 404 × 3/4 = 303.
        d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "1", at: "200"))
        #expect(d.ledger.positions(id("alice")).first?.openCost == money("303"))
        #expect(d.view("alice").positions.first?.entryPrice == price("101"))
        // 303 × 2/3 = 202 exactly; then 202 × 1/2 = 101.
        d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "1", at: "50"))
        #expect(d.ledger.positions(id("alice")).first?.openCost == money("202"))
        // Flip from +2 to −1 at 90: the open cost is what selling 1 at 90 brought in.
        d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "3", at: "90"))
        #expect(d.ledger.positions(id("alice")).first?.qty == qty("-1"))
        #expect(d.ledger.positions(id("alice")).first?.openCost == money("-90"))
        #expect(d.ledger.positions(id("bob")).first?.qty == qty("1"))
        #expect(d.ledger.positions(id("bob")).first?.openCost == money("90"))
        // Close: the position and its open cost vanish.
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "95"))
        #expect(d.ledger.positions(id("alice")).isEmpty)
        #expect(d.view("alice").positions.isEmpty)
        d.ledger.checkInvariants()
    }

    @Test func partialCloseRoundsOpenCostUpSoProfitIsNeverOverstated() {
        var e = LedgerDriver()
        e.send(listed("X", lot: "0.00000001", tick: "0.00000001", tiers: [tier("1000000", mmr: "0.01", imr: "0.02")]))
        e.send(deposit("alice", "100"))
        e.send(deposit("bob", "100"))
        e.send(trade("X", buyer: "alice", seller: "bob", "1", at: "1"))
        e.send(trade("X", buyer: "alice", seller: "bob", "2", at: "1.00000001"))  // cost 3.00000002 for 3
        e.send(trade("X", buyer: "bob", seller: "alice", "1", at: "1"))
        // 3.00000002 × 2 / 3 = 2.000000013… → rounds up to 2.00000002 (long side).
        #expect(e.ledger.positions(id("alice")).first?.openCost == money("2.00000002"))
        // The short side: −3.00000002 × 2/3 = −2.000000013… → rounds up (towards +∞) to −2.00000001.
        #expect(e.ledger.positions(id("bob")).first?.openCost == money("-2.00000001"))
    }

    @Test func tradeThatWouldLeaveAvailableNegativeIsRejectedAndNothingApplied() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "80"))
        d.send(deposit("bob", "1000"))
        let before = d.ledger
        // IM of 1 @ 10000 is 80 and alice has 80: allowed at exactly zero available.
        #expect(d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000")).isEmpty)
        #expect(d.view("alice").available == .zero)
        // One more lot needs 0.08 more IM.
        let derived = d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.001", at: "10000", buyerFee: "0"))
        guard case .tradeRejected(let r) = derived.first else { Issue.record("expected rejection, got \(derived)"); return }
        #expect(r.account == id("alice"))
        #expect(r.reason == "insufficient_margin")
        #expect(d.view("alice").positions.map(\.qty) == [qty("1")])
        #expect(d.view("alice").cash == money("-9920"))
        // The seller side is checked too: an unfunded seller is rejected and the ledger is
        // exactly as it was apart from seq and time.
        var e = LedgerDriver()
        e.ledger = before
        e.nextSeq = 4
        let sellerRejected = e.send(trade("BTC-PERP", buyer: "bob", seller: "carol", "0.001", at: "10000"))
        guard case .tradeRejected(let s) = sellerRejected.first else { Issue.record("expected rejection"); return }
        #expect(s.account == id("carol"))
        #expect(e.ledger.account(id("carol")) == nil)
        #expect(e.view("bob").cash == money("1000"))
        #expect(e.view("bob").positions.isEmpty)
    }

    @Test func tradeBeyondTheLastTierCapIsRejectedAsRiskLimit() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "1000000"))
        d.send(deposit("bob", "1000000"))
        // Last cap 250000: 25 @ 10000 is exactly at the cap, allowed; 0.001 more is beyond.
        #expect(d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "25", at: "10000")).isEmpty)
        #expect(d.view("alice").positions.first?.tier == 1)
        let derived = d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.001", at: "10000"))
        guard case .tradeRejected(let r) = derived.first else { Issue.record("expected rejection, got \(derived)"); return }
        #expect(r.reason == "risk_limit")
        #expect(r.account == id("alice"))
        // Reducing is always allowed, even while the mark puts the position beyond the cap.
        d.send(oracle("BTC-PERP", "11000"))
        #expect(d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "1", at: "11000")).isEmpty)
        #expect(d.view("alice").positions.first?.qty == qty("24"))
    }

    @Test func liquidatingSideCannotTrade() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "1000"))
        d.send(deposit("bob", "1000"))
        let index = d.ledger.accounts.index(of: id("alice"))!
        d.ledger.accounts.states[index].flags = AccountState.Flags.liquidating
        #expect(d.view("alice").state == .liquidating)
        let derived = d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.001", at: "10000"))
        guard case .tradeRejected(let r) = derived.first else { Issue.record("expected rejection"); return }
        #expect(r.reason == "liquidating")
        let withdrawn = d.send(withdrawal("alice", "1"))
        guard case .withdrawalRejected(let w) = withdrawn.first else { Issue.record("expected rejection"); return }
        #expect(w.reason == "liquidating")
    }

    @Test func reducingTradeThatWouldCreateBadDebtIsRejected() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "100"))
        d.send(deposit("bob", "1000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000"))
        d.send(oracle("BTC-PERP", "10000"))
        // Selling at 9800 while the mark is 10000 loses 200 of equity 100.
        let derived = d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "1", at: "9800"))
        guard case .tradeRejected(let r) = derived.first else { Issue.record("expected rejection"); return }
        #expect(r.reason == "insufficient_margin")
        #expect(r.account == id("alice"))
        #expect(d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "1", at: "9950")).isEmpty)
        #expect(d.view("alice").cash == money("50"))
    }

    @Test func fundingLongsPayShortsWithPayersRoundedUpAndDustToInsurance() {
        var d = LedgerDriver()
        d.send(listed("X", lot: "0.00000001", tick: "0.00000001", tiers: [tier("1000000", mmr: "0.01", imr: "0.02")]))
        for account in ["a", "b", "c"] { d.send(deposit(account, "1000")) }
        d.send(trade("X", buyer: "a", seller: "b", "1", at: "100"))
        d.send(trade("X", buyer: "a", seller: "c", "2", at: "100"))
        d.send(oracle("X", "100.00000003"))
        let cashBefore = ["a", "b", "c"].map { d.view($0).cash }
        d.send(funding("X", "0.0001"))
        // a: 3 × 100.00000003 × 0.0001 = 0.030000000009 → pays 0.03000001 (up).
        // b: 1 × … = 0.010000000003 → receives 0.01 (down); c: 2 × … → receives 0.02.
        #expect(d.view("a").cash == cashBefore[0] - money("0.03000001"))
        #expect(d.view("b").cash == cashBefore[1] + money("0.01"))
        #expect(d.view("c").cash == cashBefore[2] + money("0.02"))
        #expect(d.view("insurance").cash == money("0.00000001"))
        // Negative rate: shorts pay, longs receive.
        d.send(funding("X", "-0.0001"))
        #expect(d.view("b").cash == cashBefore[1] - money("0.00000001"))
        #expect(d.view("a").cash == cashBefore[0] - money("0.00000001"))
        #expect(d.ledger.totalCash() == money("3000"))
        d.ledger.checkInvariants()
    }

    @Test func fundingPaymentRoundsTowardsTheSystem() {
        #expect(Ledger.fundingPayment(qty: qty("1"), mark: price("1"), rate: rate("0.00000001")) == money("0.00000001"))
        #expect(Ledger.fundingPayment(qty: qty("0.5"), mark: price("1"), rate: rate("0.00000001")) == money("0.00000001"))
        #expect(Ledger.fundingPayment(qty: qty("-0.5"), mark: price("1"), rate: rate("0.00000001")) == .zero)
        #expect(Ledger.fundingPayment(qty: qty("-3"), mark: price("2"), rate: rate("0.5")) == money("-3"))
    }

    /// The 64-bit form and the general Int128 one agree with the exact ceiling of
    /// q·mark·rate / 10^16, on both sides of the switch.
    @Test func fundingPaymentIsTheExactCeilingOnEitherPath() {
        var random = SplitMix64(seed: 17)
        let scale = Int128(fixedScale) * Int128(fixedScale)
        var checked = (fast: 0, general: 0)
        for _ in 0..<20_000 {
            let q = random.int(-(Int64(1) << random.int(1...61))...(Int64(1) << random.int(1...61)))
            let mark = random.int(1...(Int64(1) << random.int(1...62)))
            let rate = random.int(-fixedScale...fixedScale) / (random.chance(50) ? 1 : 1_000_000)
            let (qm, overflow) = (Int128(q) * Int128(mark)).multipliedReportingOverflow(by: Int128(rate))
            guard !overflow else { continue }
            let (quotient, remainder) = qm.quotientAndRemainder(dividingBy: scale)
            guard let expected = Int64(exactly: remainder > 0 ? quotient + 1 : quotient) else { continue }
            #expect(Ledger.fundingPayment(qty: Quantity(raw: q), mark: Price(raw: mark), rate: Rate(raw: rate)) == Money(raw: expected),
                    "q \(q) mark \(mark) rate \(rate)")
            if Ledger.fundingPaymentIn64Bits(qty: q, mark: mark, rate: rate) == nil { checked.general += 1 } else { checked.fast += 1 }
        }
        #expect(checked.fast > 1_000 && checked.general > 100)
    }

    @Test func insuranceDepositFundsTheInsuranceAccount() {
        var d = LedgerDriver()
        d.send(insuranceDeposit("500"))
        #expect(d.view("insurance").cash == money("500"))
        #expect(d.ledger.totalDeposited == money("500"))
        d.ledger.checkInvariants()
    }

    @Test func paramsSetIsVersionedGloballyAndPerMarket() {
        var d = LedgerDriver()
        d.send(listed("A"))
        d.send(listed("B"))
        var global = ParamsSet()
        global.liqStep = rate("0.5")
        d.send(.paramsSet(global))                            // seq 3
        var local = ParamsSet()
        local.market = id("A")
        local.callBuffer = rate("0.1")
        d.send(.paramsSet(local))                             // seq 4
        #expect(d.ledger.params(market: id("A"))?.version == 4)
        #expect(d.ledger.params(market: id("A"))?.params.callBuffer == rate("0.1"))
        #expect(d.ledger.params(market: id("A"))?.params.liqStep == rate("0.5"))
        #expect(d.ledger.params(market: id("B"))?.version == 3)
        #expect(d.ledger.params(market: id("B"))?.params.callBuffer == RiskParams(rules: defaultTestRules).callBuffer)
        global.liqStep = rate("0.2")
        d.send(.paramsSet(global))                            // seq 5: overrides survive
        #expect(d.ledger.params(market: id("A"))?.params.callBuffer == rate("0.1"))
        #expect(d.ledger.params(market: id("A"))?.params.liqStep == rate("0.2"))
        #expect(d.ledger.params(market: id("A"))?.version == 5)
        d.send(listed("C"))
        #expect(d.ledger.params(market: id("C"))?.version == 5)
        #expect(d.ledger.global.version == 5)
    }

    @Test func accountJSONHasTheSpecShape() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "1000"))
        d.send(deposit("bob", "1000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000"))
        d.send(oracle("BTC-PERP", "9500"))
        let text = JSONWriter.string(d.view("alice").json)
        // cash −9000; value 9500; equity 500; IM 76; MM 38; uPnL −500; available 424.
        // LP = −9000 / (1 × (0.004 − 1)) = 9036.14457831… → up; BP = 9000.
        #expect(text == #"{"account":"alice","seq":5,"state":"healthy","cash":"-9000","equity":"500","mm":"38","im":"76","available":"424","positions":[{"market":"BTC-PERP","qty":"1","entryPrice":"10000","mark":"9500","value":"9500","upnl":"-500","tier":0,"liquidationPrice":"9036.14457832","bankruptcyPrice":"9000"}]}"#)
        let empty = JSONWriter.string(d.view("insurance").json)
        #expect(empty == #"{"account":"insurance","seq":5,"state":"healthy","cash":"0","equity":"0","mm":"0","im":"0","available":"0","positions":[]}"#)
    }

    @Test func derivedRecordsMetInReplayAreNotApplied() {
        var d = LedgerDriver()
        d.send(deposit("alice", "10"))
        d.send(withdrawal("alice", "4"))
        #expect(d.log.map(\.kind) == [.deposit, .withdrawal, .withdrawalAccepted])
        let replayed = replay(d.log)
        #expect(replayed.account(id("alice"))?.cash == money("6"))
        #expect(replayed.lastSeq == 3)
        #expect(replayed.encodeSnapshot() == d.ledger.encodeSnapshot())
    }
}
