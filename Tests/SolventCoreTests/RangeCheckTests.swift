import Testing
@testable import SolventCore

/// SPEC §2: no well-formed input can crash the writer. Each range check refuses with
/// `out_of_range` naming the field and changes nothing; the value just inside is accepted.
@Suite("Ledger: range checks")
struct RangeCheckTests {
    /// A market whose last tier allows notionals up to 20 billion.
    static let wideTiers = [tier("20000000000", mmr: "0.004", imr: "0.008")]

    /// `check` refuses `event` with `out_of_range` on `field`, leaving the snapshot as it was.
    func expectOutOfRange(_ d: LedgerDriver, _ event: Event, field: String) {
        let before = d.ledger.encodeSnapshot()
        do {
            try d.ledger.check(event)
            Issue.record("\(event.kind.name) was not refused")
        } catch {
            #expect(error.code == "out_of_range")
            #expect(error.field == field)
            #expect(!error.message.isEmpty)
        }
        #expect(d.ledger.encodeSnapshot() == before)
    }

    @Test func secondDepositThatWouldOverflowCashIsRefusedAndTheLargestIsAccepted() {
        var d = LedgerDriver()
        d.send(deposit("alice", "90000000000"))
        expectOutOfRange(d, deposit("alice", "90000000000"), field: "amount")
        // Up to Int64.max − 1 raw for the account and the lifetime total: accepted.
        d.send(deposit("alice", "2233720368.54775806"))
        expectOutOfRange(d, deposit("alice", "0.00000002"), field: "amount")
        d.send(deposit("alice", "0.00000001"))
        #expect(d.view("alice").cash == Money(raw: .max))
    }

    @Test func depositThatWouldOverflowTheLifetimeTotalIsRefused() {
        var d = LedgerDriver()
        d.send(deposit("alice", "92233720368"))
        expectOutOfRange(d, deposit("bob", "1"), field: "amount")
        expectOutOfRange(d, insuranceDeposit("1"), field: "amount")
        d.send(deposit("bob", "0.54775807"))
        #expect(d.ledger.totalDeposited == Money(raw: .max))
    }

    @Test func insuranceDepositThatWouldOverflowIsRefused() {
        var d = LedgerDriver()
        d.send(insuranceDeposit("90000000000"))
        expectOutOfRange(d, insuranceDeposit("90000000000"), field: "amount")
    }

    @Test func tradeBeyondTheLargestValueIsRefusedAndTheLargestIsAccepted() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP", tiers: Self.wideTiers))
        // qty × price: 10 × 1152921504.6 = 11529215046 ≤ 2^60 raw; one more lot is beyond it.
        expectOutOfRange(d, trade("BTC-PERP", buyer: "alice", seller: "bob", "10.001", at: "1152921504.6"), field: "qty")
        expectOutOfRange(d, trade("BTC-PERP", buyer: "alice", seller: "bob", "92233720368", at: "92233720368"), field: "price")
        expectOutOfRange(d, trade("BTC-PERP", buyer: "alice", seller: "bob", "92233720368", at: "1"), field: "qty")
        #expect(throws: Never.self) { try d.ledger.check(trade("BTC-PERP", buyer: "alice", seller: "bob", "10", at: "1152921504.6")) }
        // Applied, it is rejected for margin (alice has nothing), logged, and nothing traps.
        let derived = d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "10", at: "1152921504.6"))
        #expect(derived.map(\.kind) == [.tradeRejected])
    }

    @Test func tradeThatWouldTakeASidesCashOutOfRangeIsRefused() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP", tiers: Self.wideTiers))
        d.send(deposit("alice", "1000000000"))
        d.send(deposit("bob", "23000000000"))
        // bob would receive 60,000,000: 23,060,000,000 is beyond 2^61 raw (23,058,430,092.1).
        expectOutOfRange(d, trade("BTC-PERP", buyer: "alice", seller: "bob", "1000", at: "60000"), field: "seller")
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1000", at: "50000"))
        #expect(d.ledger.positions(id("alice")).first?.qty == qty("1000"))
    }

    @Test func fundingThatWouldTakeAHoldersCashOutOfRangeIsRefused() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP", tiers: Self.wideTiers))
        d.send(deposit("alice", "1000000000"))
        d.send(deposit("bob", "23000000000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1000", at: "50000"))
        // bob (short) receives 1000 × 50000 × rate: 0.2 takes him to 23,060,000,000.
        expectOutOfRange(d, funding("BTC-PERP", "0.2"), field: "rate")
        d.send(funding("BTC-PERP", "0.1"))
        #expect(d.view("bob").cash == money("23055000000"))
    }

    @Test func oraclePriceThatWouldPushHeldValuesOutOfRangeIsRefused() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP", tiers: Self.wideTiers))
        d.send(deposit("alice", "1000000000"))
        d.send(deposit("bob", "1000000000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1000", at: "10000"))
        // Open interest 1000: 1000 × 11529215.1 is beyond 2^60 raw, 1000 × 11529215 is not.
        expectOutOfRange(d, oracle("BTC-PERP", "11529215.1"), field: "price")
        expectOutOfRange(d, oracle("BTC-PERP", "23058430092.2"), field: "price")
        #expect(throws: Never.self) { try d.ledger.check(oracle("BTC-PERP", "11529215")) }
        d.send(oracle("BTC-PERP", "11529215"))  // held by the jump guard, and nothing traps
        #expect(d.ledger.invariantViolations().isEmpty)
    }

    /// With no position any price is taken, as before; no position may then open at it.
    @Test func markBeyondTheLargestPriceTakesNoNewPosition() {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(oracle("BTC-PERP", "92233720368"))
        expectOutOfRange(d, trade("BTC-PERP", buyer: "alice", seller: "bob", "0.001", at: "1"), field: "market")
        d.send(listed("ETH-PERP"))
        d.send(oracle("ETH-PERP", "23058430092.13693952"))
        #expect(throws: Never.self) { try d.ledger.check(trade("ETH-PERP", buyer: "alice", seller: "bob", "0.001", at: "1")) }
    }

    @Test func listingWithALotOrTickBeyondTheBoundsIsRefused() {
        let d = LedgerDriver()
        expectOutOfRange(d, listed("BTC-PERP", lot: "23058430092.13693953"), field: "lotSize")
        expectOutOfRange(d, listed("BTC-PERP", tick: "23058430092.13693953"), field: "tickSize")
        #expect(throws: Never.self) { try d.ledger.check(listed("BTC-PERP", lot: "23058430092.13693952", tick: "23058430092.13693952")) }
    }

    @Test func durationParameterBeyondTheLongestIsRefused() {
        var d = LedgerDriver()
        expectOutOfRange(d, params { $0.callGrace = (1 << 53) + 1 }, field: "callGrace")
        expectOutOfRange(d, params { $0.tail = .max }, field: "tail")
        d.send(params { $0.callGrace = 1 << 53 })
    }

    @Test func recordTimeBeyondTheLatestIsRefused() throws {
        var ledger = Ledger()
        let before = ledger.encodeSnapshot()
        #expect(throws: InputError(code: "out_of_range", field: "time", message: "time \((1 << 53) + 1) is beyond the largest time \(1 << 53) ms")) {
            _ = try ledger.checkAndApply(deposit("alice", "1"), seq: 1, time: TimeMs((1 << 53) + 1))
        }
        #expect(ledger.encodeSnapshot() == before)
        _ = try ledger.checkAndApply(deposit("alice", "1"), seq: 1, time: TimeMs(1 << 53))
    }

    /// The open interest the oracle check bounds is derived, not stored: a snapshot's positions
    /// rebuild it, and the snapshot bytes do not hold it.
    @Test func openInterestIsRebuiltFromASnapshot() throws {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP", tiers: Self.wideTiers))
        d.send(deposit("alice", "1000000000"))
        d.send(deposit("bob", "1000000000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "1000", at: "10000"))
        d.send(trade("BTC-PERP", buyer: "bob", seller: "alice", "400", at: "10000"))
        let loaded = try Ledger(snapshot: d.ledger.encodeSnapshot())
        #expect(d.ledger.markets[0].longOpenInterest == qty("600"))
        #expect(loaded.markets[0].longOpenInterest == qty("600"))
    }
}
