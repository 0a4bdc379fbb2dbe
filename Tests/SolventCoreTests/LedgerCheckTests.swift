import Testing
@testable import SolventCore

/// A refused input: the event, the code and field `check` must name.
struct RefusedInput: Sendable, CustomTestStringConvertible {
    var name: String
    var event: Event
    var code: String
    var field: String?
    var testDescription: String { name }
}

func tradeWithFields(_ change: (inout Trade) -> Void) -> Event {
    guard case .trade(var p) = trade("BTC-PERP", buyer: "alice", seller: "bob", "0.01", at: "10000") else { fatalError() }
    change(&p)
    return .trade(p)
}

let refusedInputs: [RefusedInput] = [
    RefusedInput(name: "trade in an unknown market", event: trade("ETH-PERP", buyer: "alice", seller: "bob", "1", at: "100"),
                 code: "unknown_market", field: "market"),
    RefusedInput(name: "trade with itself", event: trade("BTC-PERP", buyer: "alice", seller: "alice", "1", at: "100"),
                 code: "self_trade", field: "seller"),
    RefusedInput(name: "zero quantity", event: tradeWithFields { $0.qty = .zero }, code: "bad_quantity", field: "qty"),
    RefusedInput(name: "negative quantity", event: tradeWithFields { $0.qty = qty("-1") }, code: "bad_quantity", field: "qty"),
    RefusedInput(name: "price off tick", event: tradeWithFields { $0.price = price("10000.05") }, code: "off_tick", field: "price"),
    RefusedInput(name: "quantity off lot", event: tradeWithFields { $0.qty = qty("0.0015") }, code: "off_lot", field: "qty"),
    RefusedInput(name: "negative fee", event: tradeWithFields { $0.buyerFee = money("-1") }, code: "bad_amount", field: "buyerFee"),
    RefusedInput(name: "insurance as a trade side", event: tradeWithFields { $0.buyer = .insurance }, code: "reserved_account", field: "buyer"),
    RefusedInput(name: "fees as a trade side", event: tradeWithFields { $0.seller = .fees }, code: "reserved_account", field: "seller"),
    RefusedInput(name: "withdrawal from an unknown account", event: withdrawal("mallory", "1"), code: "unknown_account", field: "account"),
    RefusedInput(name: "withdrawal from the insurance fund", event: withdrawal("insurance", "1"), code: "reserved_account", field: "account"),
    RefusedInput(name: "deposit to the insurance fund", event: deposit("insurance", "1"), code: "reserved_account", field: "account"),
    RefusedInput(name: "deposit to fees", event: deposit("fees", "1"), code: "reserved_account", field: "account"),
    RefusedInput(name: "zero deposit", event: deposit("alice", "0"), code: "bad_amount", field: "amount"),
    RefusedInput(name: "duplicate market", event: listed("BTC-PERP"), code: "duplicate_market", field: "market"),
    RefusedInput(name: "oracle price for an unknown market", event: oracle("ETH-PERP", "1"), code: "unknown_market", field: "market"),
    RefusedInput(name: "funding for an unknown market", event: funding("ETH-PERP", "0.001"), code: "unknown_market", field: "market"),
    RefusedInput(name: "funding rate beyond 1", event: funding("BTC-PERP", "1.5"), code: "bad_rate", field: "rate"),
    RefusedInput(name: "params for an unknown market", event: {
        var p = ParamsSet()
        p.market = id("ETH-PERP")
        return .paramsSet(p)
    }(), code: "unknown_market", field: "market"),
    RefusedInput(name: "bid on an unknown auction", event: {
        var p = AuctionBid()
        p.auction = 7
        p.bidder = id("alice")
        p.qty = qty("1")
        p.limitPrice = price("1")
        return .auctionBid(p)
    }(), code: "unknown_auction", field: "auction"),
    RefusedInput(name: "a derived kind sent as input", event: .tradeRejected(TradeRejected()), code: "not_input", field: "kind"),
]

@Suite("Ledger: refused inputs")
struct LedgerCheckTests {
    static func populated() -> LedgerDriver {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(deposit("alice", "1000"))
        d.send(deposit("bob", "1000"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.01", at: "10000"))
        return d
    }

    @Test(arguments: refusedInputs)
    func malformedInputIsRefusedWithCodeAndFieldAndChangesNothing(_ input: RefusedInput) {
        let d = Self.populated()
        let before = d.ledger.encodeSnapshot()
        #expect(throws: InputError.self) { try d.ledger.check(input.event) }
        do {
            try d.ledger.check(input.event)
        } catch {
            #expect(error.code == input.code)
            #expect(error.field == input.field)
            #expect(!error.message.isEmpty)
        }
        #expect(d.ledger.encodeSnapshot() == before)
    }

    /// `refuseReserved` compares only ids of these lengths with the reserved names.
    @Test func reservedLengthsAreTheReservedNamesLengths() {
        #expect(Ledger.reservedLengths == (AccountID.insurance.text.utf8.count, AccountID.fees.text.utf8.count))
    }

    @Test func wellFormedInputsPassCheck() throws {
        let d = Self.populated()
        try d.ledger.check(trade("BTC-PERP", buyer: "carol", seller: "bob", "0.002", at: "10000.1"))
        try d.ledger.check(withdrawal("alice", "1"))
        try d.ledger.check(withdrawal("fees", "1"))
        try d.ledger.check(oracle("BTC-PERP", "10000.123"))
        try d.ledger.check(funding("BTC-PERP", "-0.001"))
        try d.ledger.check(insuranceDeposit("1"))
        try d.ledger.check(listed("ETH-PERP"))
    }
}
