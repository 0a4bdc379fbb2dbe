import PropertyBased
import Testing
@testable import SolventCore
import SolventTestSupport

/// SPEC §9 JSON shapes: `log --json` records, input lines, and refusals that name code and field.
@Suite struct RecordJSONTests {
    // MARK: Round trips

    /// The payload members of a `log --json` object: everything but the envelope.
    static func payloadMembers(_ json: JSONValue) -> JSONValue {
        guard case .object(let members) = json else { return json }
        return .object(members.filter { !["seq", "time", "kind", "cause"].contains($0.key) })
    }

    @Test(arguments: EventKind.allCases)
    func everyPayloadRoundTripsThroughJSONText(_ kind: EventKind) async {
        await propertyCheck(count: 100, input: Gens.record(kind)) { record throws in
            let json = RecordJSON.json(record)
            let text = JSONWriter.string(json)
            let parsed = try JSONParser.parse(text)
            #expect(parsed == json)
            #expect(parsed["seq"] == .number(String(record.seq)))
            #expect(parsed["time"] == .number(String(record.time)))
            #expect(parsed["kind"] == .string(kind.name))
            #expect(parsed["cause"] == (record.cause.map { .number(String($0)) } ?? .null))
            let members = Self.payloadMembers(parsed)
            #expect(try Self.decodePayload(members, as: kind) == record.event)
            #expect(RecordJSON.json(payload: record.event.payloadForTests) == members)
        }
    }

    @Test(arguments: Gens.inputKinds)
    func everyValidInputRoundTripsThroughAnInputLine(_ kind: EventKind) async {
        await propertyCheck(count: 100, input: Gens.validInput(kind)) { record throws in
            guard case .object(let members) = RecordJSON.json(record) else { Issue.record("not an object"); return }
            let input = JSONValue.object(members.filter { $0.key != "seq" && $0.key != "cause" })
            let line = JSONWriter.string(input)
            let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
            #expect(time == record.time)
            #expect(event == record.event)
            // The daemon stamps the time itself: an input without one is accepted there.
            let untimed = JSONValue.object(members.filter { !["seq", "cause", "time"].contains($0.key) })
            let stamped = try RecordJSON.input(untimed, requireTime: false)
            #expect(stamped.time == nil)
            #expect(stamped.event == record.event)
        }
    }

    @Test func logLineHasTheDocumentedShape() {
        let text = JSONWriter.string(RecordJSON.json(RecordCodecTests.documentedDepositRecord))
        #expect(text == #"{"seq":1,"time":1,"kind":"deposit","cause":null,"account":"alice","amount":"100.5","ref":"d1"}"#)
        var call = MarginCall()
        call.account = AccountID(valid: "bob")
        call.equity = Money(raw: -150_000_000)
        call.mm = Money(raw: 1)
        let derived = Record(seq: 9, time: 1_700_000_000_000, cause: 8, event: .marginCall(call))
        #expect(JSONWriter.string(RecordJSON.json(derived))
                == #"{"seq":9,"time":1700000000000,"kind":"margin.call","cause":8,"account":"bob","equity":"-1.5","mm":"0.00000001","deadline":null}"#)
    }

    // MARK: SPEC §9 examples

    static func money(_ text: String) -> Money { try! Money(parsing: text) }

    static var specExamples: [(line: String, time: TimeMs, event: Event)] {
        var listed = MarketListed()
        listed.market = id("BTC-PERP")
        listed.lotSize = try! Quantity(parsing: "0.001")
        listed.tickSize = try! Price(parsing: "0.1")
        listed.tiers = [
            Tier(notionalCap: money("50000"), mmr: try! Rate(parsing: "0.004"), imr: try! Rate(parsing: "0.008"), maintAmount: .zero),
            Tier(notionalCap: money("250000"), mmr: try! Rate(parsing: "0.005"), imr: try! Rate(parsing: "0.01"), maintAmount: money("50")),
        ]
        var deposit = Deposit()
        deposit.account = id("alice")
        deposit.amount = money("1000")
        deposit.ref = id("d-1")
        var trade = Trade()
        trade.market = id("BTC-PERP")
        trade.buyer = id("alice")
        trade.seller = id("bob")
        trade.qty = Quantity(units: 1)
        trade.price = Price(units: 10_000)
        trade.ref = id("t-1")
        var oracle = OraclePrice()
        oracle.market = id("BTC-PERP")
        oracle.price = Price(units: 9_500)
        oracle.publishTime = 4
        var bid = AuctionBid()
        bid.auction = 57
        bid.bidder = id("bot1")
        bid.qty = try! Quantity(parsing: "0.5")
        bid.limitPrice = Price(units: 9_100)
        return [
            (#"{"kind":"market.listed","time":1,"market":"BTC-PERP","lotSize":"0.001","tickSize":"0.1", "tiers":[{"notionalCap":"50000","mmr":"0.004","imr":"0.008","maintAmount":"0"}, {"notionalCap":"250000","mmr":"0.005","imr":"0.01","maintAmount":"50"}]}"#,
             1, .marketListed(listed)),
            (#"{"kind":"deposit","time":2,"account":"alice","amount":"1000","ref":"d-1"}"#, 2, .deposit(deposit)),
            (#"{"kind":"trade","time":3,"market":"BTC-PERP","buyer":"alice","seller":"bob","qty":"1","price":"10000","ref":"t-1"}"#,
             3, .trade(trade)),
            (#"{"kind":"oracle.price","time":4,"market":"BTC-PERP","price":"9500","publishTime":4}"#, 4, .oraclePrice(oracle)),
            (#"{"kind":"auction.bid","time":9,"auction":57,"bidder":"bot1","qty":"0.5","limitPrice":"9100"}"#, 9, .auctionBid(bid)),
        ]
    }

    @Test func specExampleLinesParseToTheirPayloads() throws {
        for example in Self.specExamples {
            let (time, event) = try RecordJSON.input(line: Array(example.line.utf8), requireTime: true)
            #expect(time == example.time, "\(example.line)")
            #expect(event == example.event, "\(example.line)")
        }
    }

    @Test func wireExampleWithoutTimeIsAcceptedWhenTheDaemonStampsIt() throws {
        let line = #"{"kind":"deposit","account":"alice","amount":"1000"}"#
        let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: false)
        var deposit = Deposit()
        deposit.account = id("alice")
        deposit.amount = Self.money("1000")
        #expect(time == nil)
        #expect(event == .deposit(deposit))
    }

    @Test func numbersMayBeJSONNumbersWhenTheirTextIsExact() throws {
        let line = #"{"kind":"deposit","time":0,"account":"a","amount":1000.25,"ref":null}"#
        let (_, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
        guard case .deposit(let deposit) = event else { Issue.record("not a deposit"); return }
        #expect(deposit.amount == Self.money("1000.25"))
        #expect(deposit.ref == nil)
    }

    // MARK: Refusals name the code and the field

    static let refusals: [(line: String, code: String, field: String?)] = [
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"1.000000001"}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":1.000000001}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"1e3"}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":1e3}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":""}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"NaN"}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":true}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"0"}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"-5"}"#, "bad_amount", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice"}"#, "missing_field", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":null}"#, "missing_field", "amount"),
        (#"{"kind":"deposit","time":2,"amount":"1"}"#, "missing_field", "account"),
        // A misspelt member is refused, never ignored (a required one is reported missing first).
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"1","ammount":"1"}"#, "unknown_field", "ammount"),
        (#"{"kind":"deposit","time":2,"account":"alice","ammount":"1"}"#, "missing_field", "amount"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"1","reff":"d-1"}"#, "unknown_field", "reff"),
        (#"{"kind":"clock","time":2,"seq":5}"#, "unknown_field", "seq"),
        (#"{"kind":"deposti","time":2,"account":"alice","amount":"1"}"#, "unknown_kind", "kind"),
        (#"{"kind":7,"time":2}"#, "unknown_kind", "kind"),
        (#"{"time":2,"account":"alice","amount":"1"}"#, "missing_field", "kind"),
        (#"{"kind":"auction.fill","time":2}"#, "not_input", "kind"),
        (#"{"kind":"margin.call","time":2,"account":"alice","equity":"1","mm":"1"}"#, "not_input", "kind"),
        (#"{"kind":"withdrawal.accepted","time":2}"#, "not_input", "kind"),
        (#"{"kind":"deposit","time":2,"account":"\#(String(repeating: "a", count: 65))","amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":"al ice","amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":"alicé","amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":"a/b","amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":"","amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":5,"amount":"1"}"#, "bad_id", "account"),
        (#"{"kind":"deposit","time":2,"account":"alice","amount":"1","ref":"d 1"}"#, "bad_id", "ref"),
        (#"{"kind":"deposit","account":"alice","amount":"1"}"#, "missing_field", "time"),
        (#"{"kind":"deposit","time":null,"account":"alice","amount":"1"}"#, "missing_field", "time"),
        (#"{"kind":"deposit","time":-1,"account":"alice","amount":"1"}"#, "bad_time", "time"),
        (#"{"kind":"deposit","time":"2","account":"alice","amount":"1"}"#, "bad_time", "time"),
        (#"{"kind":"deposit","time":2.5,"account":"alice","amount":"1"}"#, "bad_time", "time"),
        (#"{"kind":"deposit","time":2e3,"account":"alice","amount":"1"}"#, "bad_time", "time"),
        (#"{"kind":"deposit","time":9223372036854775808,"account":"alice","amount":"1"}"#, "bad_time", "time"),
        (#"{"kind":"trade","time":3,"market":"M","buyer":"a","seller":"a","qty":"1","price":"1"}"#, "self_trade", "seller"),
        (#"{"kind":"trade","time":3,"market":"M","buyer":"a","seller":"b","qty":"0","price":"1"}"#, "bad_quantity", "qty"),
        (#"{"kind":"trade","time":3,"market":"M","buyer":"a","seller":"b","qty":"1","price":"-1"}"#, "bad_price", "price"),
        (#"{"kind":"trade","time":3,"market":"M","buyer":"a","seller":"b","qty":"1","price":"1","buyerFee":"-0.1"}"#, "bad_amount", "buyerFee"),
        (#"{"kind":"oracle.price","time":4,"market":"M","price":"9500","publishTime":"4"}"#, "bad_integer", "publishTime"),
        (#"{"kind":"oracle.price","time":4,"market":"M","price":"0","publishTime":4}"#, "bad_price", "price"),
        (#"{"kind":"funding","time":4,"market":"M","rate":"0.000000001"}"#, "bad_rate", "rate"),
        (#"{"kind":"auction.bid","time":9,"auction":-1,"bidder":"b","qty":"1","limitPrice":"1"}"#, "bad_integer", "auction"),
        (#"{"kind":"auction.bid","time":9,"auction":"57","bidder":"b","qty":"1","limitPrice":"1"}"#, "bad_integer", "auction"),
        (#"{"kind":"insurance.deposit","time":9,"amount":"-1"}"#, "bad_amount", "amount"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":{}}"#, "bad_field", "tiers"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1"}"#, "missing_field", "tiers"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[]}"#, "bad_tiers", "tiers"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"0","tickSize":"1","tiers":[]}"#, "bad_quantity", "lotSize"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[5]}"#, "bad_field", "tiers[0]"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[{"notionalCap":"1","mmr":"0.1","imr":"0.1","maintAmount":"0","x":1}]}"#,
         "unknown_field", "tiers[0].x"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[{"notionalCap":"1","mmr":"0.1","imr":"0.1","maintAmount":"0"},{"notionalCap":"2","mmr":"0.1.2","imr":"0.1","maintAmount":"0"}]}"#,
         "bad_rate", "tiers[1].mmr"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[{"notionalCap":"1","mmr":"0.1","imr":"0.1"}]}"#,
         "missing_field", "tiers[0].maintAmount"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[{"notionalCap":"2","mmr":"0.1","imr":"0.1","maintAmount":"0"},{"notionalCap":"2","mmr":"0.1","imr":"0.1","maintAmount":"0"}]}"#,
         "bad_tiers", "tiers[1].notionalCap"),
        (#"{"kind":"market.listed","time":1,"market":"M","lotSize":"1","tickSize":"1","tiers":[{"notionalCap":"1","mmr":"0.1","imr":"0.05","maintAmount":"0"}]}"#,
         "bad_tiers", "tiers[0].imr"),
        (#"{"kind":"params.set","time":1,"curve":"sine"}"#, "bad_value", "curve"),
        (#"{"kind":"params.set","time":1,"liqStep":"0"}"#, "bad_rate", "liqStep"),
        (#"{"kind":"params.set","time":1,"maxFee":"1.5"}"#, "bad_rate", "maxFee"),
        (#"{"kind":"params.set","time":1,"callGrace":-1}"#, "bad_integer", "callGrace"),
        (#"{"kind":"params.set","time":1,"holeGlobal":"-1"}"#, "bad_amount", "holeGlobal"),
        (#"{"kind":"params.set","time":1,"callGrace":"1"}"#, "bad_integer", "callGrace"),
        (#"{"kind":"params.set","time":1,"market":"BTC PERP"}"#, "bad_id", "market"),
        (#"[{"kind":"clock","time":1}]"#, "bad_json", nil),
        (#"{"kind":"clock","time":1"#, "bad_json", nil),
        (#"{"kind":"clock","kind":"clock","time":1}"#, "bad_json", nil),
        ("", "bad_json", nil),
    ]

    @Test(arguments: refusals)
    func refusedInputNamesCodeAndField(_ line: String, _ code: String, _ field: String?) {
        let error = #expect(throws: InputError.self) { try RecordJSON.input(line: Array(line.utf8), requireTime: true) }
        #expect(error?.code == code, "\(error?.description ?? "")")
        #expect(error?.field == field, "\(error?.description ?? "")")
        #expect(error?.message.isEmpty == false)
    }

    // MARK: Payload-only objects (--params files)

    @Test func paramsFileReadsOnlyTheFieldsItHas() throws {
        let json = try JSONParser.parse(#"{"callBuffer":"0.3","curve":"linear","confirmations":5}"#)
        let params = try RecordJSON.payload(json, as: ParamsSet.self)
        var expected = ParamsSet()
        expected.callBuffer = try Rate(parsing: "0.3")
        expected.curve = .linear
        expected.confirmations = 5
        #expect(params == expected)
        let applied = params.applied(to: RiskParams())
        #expect(applied.callBuffer == Rate(raw: 30_000_000))
        #expect(applied.liqStep == RiskParams().liqStep)
    }

    @Test func fullParameterSetRoundTripsThroughJSON() throws {
        let full = ParamsSet(full: RiskParams())
        let text = JSONWriter.string(RecordJSON.json(payload: full))
        #expect(try RecordJSON.payload(JSONParser.parse(text), as: ParamsSet.self) == full)
        #expect(full.applied(to: RiskParams()) == RiskParams())
    }

    @Test func payloadRefusesUnknownMembersAndNonObjects() {
        let unknown = #expect(throws: InputError.self) {
            try RecordJSON.payload(JSONParser.parse(#"{"callbuffer":"0.3"}"#), as: ParamsSet.self)
        }
        #expect(unknown?.code == "unknown_field")
        #expect(unknown?.field == "callbuffer")
        let notObject = #expect(throws: InputError.self) { try RecordJSON.payload(.array([]), as: ParamsSet.self) }
        #expect(notObject?.code == "bad_json")
    }

    /// Decodes a payload-only JSON object as the payload type of `kind`, through the public API.
    static func decodePayload(_ json: JSONValue, as kind: EventKind) throws(InputError) -> Event {
        switch kind {
        case .marketListed: .marketListed(try RecordJSON.payload(json, as: MarketListed.self))
        case .paramsSet: .paramsSet(try RecordJSON.payload(json, as: ParamsSet.self))
        case .deposit: .deposit(try RecordJSON.payload(json, as: Deposit.self))
        case .withdrawal: .withdrawal(try RecordJSON.payload(json, as: Withdrawal.self))
        case .trade: .trade(try RecordJSON.payload(json, as: Trade.self))
        case .oraclePrice: .oraclePrice(try RecordJSON.payload(json, as: OraclePrice.self))
        case .funding: .funding(try RecordJSON.payload(json, as: Funding.self))
        case .clock: .clock(try RecordJSON.payload(json, as: Clock.self))
        case .auctionBid: .auctionBid(try RecordJSON.payload(json, as: AuctionBid.self))
        case .insuranceDeposit: .insuranceDeposit(try RecordJSON.payload(json, as: InsuranceDeposit.self))
        case .withdrawalAccepted: .withdrawalAccepted(try RecordJSON.payload(json, as: WithdrawalAccepted.self))
        case .withdrawalRejected: .withdrawalRejected(try RecordJSON.payload(json, as: WithdrawalRejected.self))
        case .tradeRejected: .tradeRejected(try RecordJSON.payload(json, as: TradeRejected.self))
        case .marginCall: .marginCall(try RecordJSON.payload(json, as: MarginCall.self))
        case .marginCallCleared: .marginCallCleared(try RecordJSON.payload(json, as: MarginCallCleared.self))
        case .liquidationStarted: .liquidationStarted(try RecordJSON.payload(json, as: LiquidationStarted.self))
        case .liquidationDeferred: .liquidationDeferred(try RecordJSON.payload(json, as: LiquidationDeferred.self))
        case .auctionStarted: .auctionStarted(try RecordJSON.payload(json, as: AuctionStarted.self))
        case .auctionFill: .auctionFill(try RecordJSON.payload(json, as: AuctionFill.self))
        case .auctionReset: .auctionReset(try RecordJSON.payload(json, as: AuctionReset.self))
        case .auctionEnded: .auctionEnded(try RecordJSON.payload(json, as: AuctionEnded.self))
        case .insuranceAbsorbed: .insuranceAbsorbed(try RecordJSON.payload(json, as: InsuranceAbsorbed.self))
        case .adl: .adl(try RecordJSON.payload(json, as: ADL.self))
        case .liquidationFinished: .liquidationFinished(try RecordJSON.payload(json, as: LiquidationFinished.self))
        case .oracleRejected: .oracleRejected(try RecordJSON.payload(json, as: OracleRejected.self))
        case .marketHalted: .marketHalted(try RecordJSON.payload(json, as: MarketHalted.self))
        case .marketResumed: .marketResumed(try RecordJSON.payload(json, as: MarketResumed.self))
        case .auctionBidRejected: .auctionBidRejected(try RecordJSON.payload(json, as: AuctionBidRejected.self))
        case .stateRoot: .stateRoot(try RecordJSON.payload(json, as: StateRoot.self))
        case .badDebt: .badDebt(try RecordJSON.payload(json, as: BadDebt.self))
        case .insuranceDeleveraged: .insuranceDeleveraged(try RecordJSON.payload(json, as: InsuranceDeleveraged.self))
        }
    }
}

extension Event {
    /// The payload as an existential, for `RecordJSON.json(payload:)`.
    var payloadForTests: any Payload {
        switch self {
        case .marketListed(let p): p
        case .paramsSet(let p): p
        case .deposit(let p): p
        case .withdrawal(let p): p
        case .trade(let p): p
        case .oraclePrice(let p): p
        case .funding(let p): p
        case .clock(let p): p
        case .auctionBid(let p): p
        case .insuranceDeposit(let p): p
        case .withdrawalAccepted(let p): p
        case .withdrawalRejected(let p): p
        case .tradeRejected(let p): p
        case .marginCall(let p): p
        case .marginCallCleared(let p): p
        case .liquidationStarted(let p): p
        case .liquidationDeferred(let p): p
        case .auctionStarted(let p): p
        case .auctionFill(let p): p
        case .auctionReset(let p): p
        case .auctionEnded(let p): p
        case .insuranceAbsorbed(let p): p
        case .adl(let p): p
        case .liquidationFinished(let p): p
        case .oracleRejected(let p): p
        case .marketHalted(let p): p
        case .marketResumed(let p): p
        case .auctionBidRejected(let p): p
        case .stateRoot(let p): p
        case .badDebt(let p): p
        case .insuranceDeleveraged(let p): p
        }
    }
}
