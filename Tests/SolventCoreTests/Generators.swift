import PropertyBased
@testable import SolventCore
import SolventTestSupport

// Random payloads for every event kind, for the codec and JSON round-trip properties.
//
// `Draw` holds the value-level choices (raw numbers biased to their extremes, identifiers of
// every legal length, awkward strings); `Payloads` builds one payload per kind from them.
// `Payloads.any…` produce any value the binary codec must carry (negative amounts, unsorted
// tiers); `Payloads.validInput` produces inputs that also pass `Event.validate()`, for the
// `RecordJSON.input` round trip.

enum Draw {
    /// Raw values that sit on a boundary of the format or of 8-decimal arithmetic.
    static let edgeRaws: [Int64] = [
        .min, .min + 1, -fixedScale, -1, 0, 1, fixedScale - 1, fixedScale, fixedScale + 1,
        Int64(Int32.max), Int64(UInt32.max) + 1, .max - 1, .max,
    ]

    /// Any `Int64`: a quarter edges, a quarter small, half anywhere.
    static func raw(_ rng: inout some RandomNumberGenerator) -> Int64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: edgeRaws.randomElement(using: &rng)!
        case 1: Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng)
        default: Int64.random(in: .min ... .max, using: &rng)
        }
    }

    /// A value in `range`, with its bounds drawn more often than uniform.
    static func raw(in range: ClosedRange<Int64>, _ rng: inout some RandomNumberGenerator) -> Int64 {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: range.lowerBound
        case 1: range.upperBound
        default: Int64.random(in: range, using: &rng)
        }
    }

    static func seq(_ rng: inout some RandomNumberGenerator) -> Seq {
        let raw: UInt64 = switch Int.random(in: 0..<4, using: &rng) {
        case 0: [0, 1, UInt64(UInt32.max), .max].randomElement(using: &rng)!
        case 1: UInt64.random(in: 1...100_000, using: &rng)
        default: UInt64.random(in: .min ... .max, using: &rng)
        }
        return Seq(raw)
    }

    static func time(_ rng: inout some RandomNumberGenerator) -> TimeMs { TimeMs(raw(&rng)) }

    static func chance(_ rng: inout some RandomNumberGenerator) -> Bool { Bool.random(using: &rng) }

    /// `make`'s value half the time, else nil.
    static func maybe<T, R: RandomNumberGenerator>(_ rng: inout R, _ make: (inout R) -> T) -> T? {
        chance(&rng) ? make(&rng) : nil
    }

    static func money(_ rng: inout some RandomNumberGenerator) -> Money { Money(raw: raw(&rng)) }
    static func price(_ rng: inout some RandomNumberGenerator) -> Price { Price(raw: raw(&rng)) }
    static func quantity(_ rng: inout some RandomNumberGenerator) -> Quantity { Quantity(raw: raw(&rng)) }
    static func rate(_ rng: inout some RandomNumberGenerator) -> Rate { Rate(raw: raw(&rng)) }

    static let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-".utf8)

    /// A valid identifier, 1–64 bytes, often at the length limits.
    static func identifier<ID: ValidIdentifier>(_ rng: inout some RandomNumberGenerator) -> ID {
        let length = switch Int.random(in: 0..<6, using: &rng) {
        case 0: 1
        case 1: Identifier.maxLengthBytes
        default: Int.random(in: 1...12, using: &rng)
        }
        let bytes = (0..<length).map { _ in idAlphabet.randomElement(using: &rng)! }
        return ID(valid: String(decoding: bytes, as: UTF8.self))
    }

    /// Strings a reason field may hold: empty, JSON-hostile, multi-byte, long.
    static let awkwardStrings = [
        "", "risk_limit", "insufficient available", "quote \" and backslash \\", "line\nbreak\ttab\r",
        "nul \u{0} and \u{1F} control", "del \u{7F}", "é e\u{301} ß 東京", "emoji 😀 🇨🇭", "\u{2028}\u{2029}",
        "slash / </script>", String(repeating: "x", count: 300),
    ]

    static func string(_ rng: inout some RandomNumberGenerator) -> String {
        if chance(&rng) { return awkwardStrings.randomElement(using: &rng)! }
        let scalars: [Unicode.Scalar] = (0..<Int.random(in: 0...24, using: &rng)).map { _ in
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &rng))
            case 1: Unicode.Scalar(UInt32.random(in: 0x80...0xD7FF, using: &rng))!
            case 2: Unicode.Scalar(UInt32.random(in: 0x1_0000...0x10_FFFF, using: &rng))!
            default: Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng))
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}

enum Payloads {
    // MARK: Any value the codec must carry

    static func tier(_ rng: inout some RandomNumberGenerator) -> Tier {
        Tier(notionalCap: Draw.money(&rng), mmr: Draw.rate(&rng), imr: Draw.rate(&rng), maintAmount: Draw.money(&rng))
    }

    static func position(_ rng: inout some RandomNumberGenerator) -> PositionView {
        var p = PositionView()
        p.market = Draw.identifier(&rng)
        p.qty = Draw.quantity(&rng)
        p.mark = Draw.price(&rng)
        p.tier = Draw.raw(&rng)
        p.value = Draw.money(&rng)
        p.mm = Draw.money(&rng)
        return p
    }

    /// A list length: empty, one, a few, and now and then long.
    static func listCount(_ rng: inout some RandomNumberGenerator) -> Int {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: 0
        case 1: 1
        case 2: Int.random(in: 20...60, using: &rng)
        default: Int.random(in: 2...5, using: &rng)
        }
    }

    static func paramsSet(_ rng: inout some RandomNumberGenerator) -> ParamsSet {
        var p = ParamsSet()
        p.market = Draw.maybe(&rng) { Draw.identifier(&$0) }
        p.callBuffer = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.callGrace = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.liqStep = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.auctionBuffer = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.curve = Draw.maybe(&rng) { AuctionCurve.allCases.randomElement(using: &$0)! }
        p.tau = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.step = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.cut = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.tail = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.cusp = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.minFee = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.maxFee = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.feeDepth = Draw.maybe(&rng) { Draw.money(&$0) }
        p.dustNotional = Draw.maybe(&rng) { Draw.money(&$0) }
        p.holeGlobal = Draw.maybe(&rng) { Draw.money(&$0) }
        p.holeMarket = Draw.maybe(&rng) { Draw.money(&$0) }
        p.maxJump = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.confirmations = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.maxStaleness = Draw.maybe(&rng) { Draw.raw(&$0) }
        p.fundImr = Draw.maybe(&rng) { Draw.rate(&$0) }
        p.fundMmr = Draw.maybe(&rng) { Draw.rate(&$0) }
        return p
    }

    /// A payload of `kind` with arbitrary field values (not necessarily valid as an input).
    static func any(_ kind: EventKind, _ rng: inout some RandomNumberGenerator) -> Event {
        func id<ID: ValidIdentifier>() -> ID { Draw.identifier(&rng) }
        func ref() -> Identifier? { Draw.maybe(&rng) { Draw.identifier(&$0) } }
        func money() -> Money { Draw.money(&rng) }
        func price() -> Price { Draw.price(&rng) }
        func qty() -> Quantity { Draw.quantity(&rng) }
        func seq() -> Seq { Draw.seq(&rng) }
        func text() -> String { Draw.string(&rng) }
        switch kind {
        case .marketListed:
            var p = MarketListed()
            p.market = id(); p.lotSize = qty(); p.tickSize = price()
            p.tiers = (0..<listCount(&rng)).map { _ in tier(&rng) }
            return .marketListed(p)
        case .paramsSet:
            return .paramsSet(paramsSet(&rng))
        case .deposit:
            var p = Deposit()
            p.account = id(); p.amount = money(); p.ref = ref()
            return .deposit(p)
        case .withdrawal:
            var p = Withdrawal()
            p.account = id(); p.amount = money(); p.ref = ref()
            return .withdrawal(p)
        case .trade:
            var p = Trade()
            p.market = id(); p.buyer = id(); p.seller = id(); p.qty = qty(); p.price = price()
            p.buyerFee = Draw.maybe(&rng) { Draw.money(&$0) }
            p.sellerFee = Draw.maybe(&rng) { Draw.money(&$0) }
            p.ref = ref()
            return .trade(p)
        case .oraclePrice:
            var p = OraclePrice()
            p.market = id(); p.price = price(); p.publishTime = Draw.time(&rng)
            return .oraclePrice(p)
        case .funding:
            var p = Funding()
            p.market = id(); p.rate = Draw.rate(&rng)
            return .funding(p)
        case .clock:
            return .clock(Clock())
        case .auctionBid:
            var p = AuctionBid()
            p.auction = seq(); p.bidder = id(); p.qty = qty(); p.limitPrice = price()
            return .auctionBid(p)
        case .insuranceDeposit:
            var p = InsuranceDeposit()
            p.amount = money(); p.ref = ref()
            return .insuranceDeposit(p)
        case .withdrawalAccepted:
            var p = WithdrawalAccepted()
            p.account = id(); p.amount = money(); p.ref = ref(); p.available = money()
            return .withdrawalAccepted(p)
        case .withdrawalRejected:
            var p = WithdrawalRejected()
            p.account = id(); p.amount = money(); p.ref = ref(); p.reason = text(); p.available = money()
            return .withdrawalRejected(p)
        case .tradeRejected:
            var p = TradeRejected()
            p.account = id(); p.reason = text(); p.ref = ref()
            return .tradeRejected(p)
        case .marginCall:
            var p = MarginCall()
            p.account = id(); p.equity = money(); p.mm = money(); p.deadline = Draw.maybe(&rng) { Draw.time(&$0) }
            return .marginCall(p)
        case .marginCallCleared:
            var p = MarginCallCleared()
            p.account = id(); p.equity = money(); p.mm = money()
            return .marginCallCleared(p)
        case .liquidationStarted:
            var p = LiquidationStarted()
            p.liquidation = seq(); p.account = id()
            p.trigger = LiquidationTrigger.allCases.randomElement(using: &rng)!
            p.equity = money(); p.mm = money(); p.im = money(); p.paramsVersion = seq()
            p.positions = (0..<listCount(&rng)).map { _ in position(&rng) }
            p.market = id(); p.qty = qty()
            return .liquidationStarted(p)
        case .liquidationDeferred:
            var p = LiquidationDeferred()
            p.account = id(); p.market = id(); p.reason = text()
            return .liquidationDeferred(p)
        case .auctionStarted:
            var p = AuctionStarted()
            p.auction = seq(); p.liquidation = seq(); p.account = id(); p.market = id(); p.qty = qty()
            p.startPrice = price(); p.bankruptcyPrice = Draw.maybe(&rng) { Draw.price(&$0) }
            p.curve = AuctionCurve.allCases.randomElement(using: &rng)!
            return .auctionStarted(p)
        case .auctionFill:
            var p = AuctionFill()
            p.auction = seq(); p.liquidation = seq(); p.bidder = id(); p.qty = qty(); p.price = price()
            p.penalty = money(); p.remaining = qty()
            return .auctionFill(p)
        case .auctionReset:
            var p = AuctionReset()
            p.auction = seq(); p.startPrice = price(); p.reason = text()
            return .auctionReset(p)
        case .auctionEnded:
            var p = AuctionEnded()
            p.auction = seq(); p.reason = text(); p.remaining = qty()
            return .auctionEnded(p)
        case .insuranceAbsorbed:
            var p = InsuranceAbsorbed()
            p.liquidation = seq(); p.account = id(); p.amount = money(); p.fundAfter = money()
            return .insuranceAbsorbed(p)
        case .adl:
            var p = ADL()
            p.liquidation = seq(); p.account = id(); p.market = id(); p.qty = qty(); p.price = price()
            p.rankScore = Draw.rate(&rng)
            return .adl(p)
        case .liquidationFinished:
            var p = LiquidationFinished()
            p.liquidation = seq(); p.account = id(); p.closedQty = qty(); p.penaltyPaid = money()
            p.shortfall = money(); p.insurancePaid = money(); p.adlQty = qty(); p.equityAfter = money()
            return .liquidationFinished(p)
        case .oracleRejected:
            var p = OracleRejected()
            p.market = id(); p.price = price(); p.lastPrice = price(); p.reason = text()
            return .oracleRejected(p)
        case .marketHalted:
            var p = MarketHalted()
            p.market = id(); p.reason = text(); p.lastPriceTime = Draw.time(&rng)
            return .marketHalted(p)
        case .marketResumed:
            var p = MarketResumed()
            p.market = id(); p.price = price()
            return .marketResumed(p)
        case .auctionBidRejected:
            var p = AuctionBidRejected()
            p.auction = Draw.seq(&rng); p.bidder = id(); p.reason = text(); p.price = price()
            return .auctionBidRejected(p)
        case .stateRoot:
            return .stateRoot(StateRoot(accounts: Draw.raw(&rng), root: text()))
        case .badDebt:
            var p = BadDebt()
            p.liquidation = seq(); p.account = id(); p.market = id(); p.amount = money()
            return .badDebt(p)
        case .insuranceDeleveraged:
            var p = InsuranceDeleveraged()
            p.market = id(); p.qty = qty(); p.price = price(); p.equity = money(); p.mm = money()
            return .insuranceDeleveraged(p)
        }
    }

    /// A record of `kind`: seq ≥ 1 (the decoder refuses 0), cause absent or ≥ 1 (0 means none).
    static func record(_ kind: EventKind, _ rng: inout some RandomNumberGenerator) -> Record {
        let seq = max(1, Draw.seq(&rng))
        let cause: Seq? = kind.isInput ? nil : Draw.maybe(&rng) { max(1, Draw.seq(&$0)) }
        return Record(seq: seq, time: Draw.time(&rng), cause: cause, event: any(kind, &rng))
    }

    // MARK: Inputs that pass validation

    static let maxPositive: ClosedRange<Int64> = 1...Int64.max

    /// An input of `kind` whose values `Event.validate()` accepts.
    static func validInput(_ kind: EventKind, _ rng: inout some RandomNumberGenerator) -> Event {
        precondition(kind.isInput)
        func positive() -> Int64 { Draw.raw(in: maxPositive, &rng) }
        func ref() -> Identifier? { Draw.maybe(&rng) { Draw.identifier(&$0) } }
        switch kind {
        case .marketListed:
            var p = MarketListed()
            p.market = Draw.identifier(&rng)
            p.lotSize = Quantity(raw: positive())
            p.tickSize = Price(raw: positive())
            // Strictly increasing caps, mmr in (0, 1], imr in [mmr, 1], maintAmount ≥ 0.
            let count = Int.random(in: 1...6, using: &rng)
            var caps = Set<Int64>()
            while caps.count < count { caps.insert(Draw.raw(in: maxPositive, &rng)) }
            p.tiers = caps.sorted().map { cap in
                let mmr = Draw.raw(in: 1...fixedScale, &rng)
                let imr = Draw.raw(in: mmr...fixedScale, &rng)
                return Tier(notionalCap: Money(raw: cap), mmr: Rate(raw: mmr), imr: Rate(raw: imr),
                            maintAmount: Money(raw: Draw.raw(in: 0...Int64.max, &rng)))
            }
            return .marketListed(p)
        case .paramsSet:
            var p = ParamsSet()
            func rate() -> Rate? { Draw.maybe(&rng) { Rate(raw: Draw.raw(in: 0...fixedScale, &$0)) } }
            func duration() -> Int64? { Draw.maybe(&rng) { Draw.raw(in: 0...Int64.max, &$0) } }
            func amount() -> Money? { Draw.maybe(&rng) { Money(raw: Draw.raw(in: 0...Int64.max, &$0)) } }
            p.market = Draw.maybe(&rng) { Draw.identifier(&$0) }
            p.callBuffer = rate(); p.callGrace = duration()
            p.liqStep = Draw.maybe(&rng) { Rate(raw: Draw.raw(in: 1...fixedScale, &$0)) }
            p.auctionBuffer = rate(); p.curve = Draw.maybe(&rng) { AuctionCurve.allCases.randomElement(using: &$0)! }
            p.tau = duration(); p.step = duration(); p.cut = rate(); p.tail = duration(); p.cusp = rate()
            p.minFee = rate(); p.maxFee = rate(); p.feeDepth = amount(); p.dustNotional = amount()
            p.holeGlobal = amount(); p.holeMarket = amount(); p.maxJump = rate()
            p.confirmations = duration(); p.maxStaleness = duration()
            return .paramsSet(p)
        case .deposit:
            var p = Deposit()
            p.account = Draw.identifier(&rng); p.amount = Money(raw: positive()); p.ref = ref()
            return .deposit(p)
        case .withdrawal:
            var p = Withdrawal()
            p.account = Draw.identifier(&rng); p.amount = Money(raw: positive()); p.ref = ref()
            return .withdrawal(p)
        case .trade:
            var p = Trade()
            p.market = Draw.identifier(&rng)
            p.buyer = Draw.identifier(&rng)
            repeat { p.seller = Draw.identifier(&rng) } while p.seller == p.buyer
            p.qty = Quantity(raw: positive()); p.price = Price(raw: positive())
            p.buyerFee = Draw.maybe(&rng) { Money(raw: Draw.raw(in: 0...Int64.max, &$0)) }
            p.sellerFee = Draw.maybe(&rng) { Money(raw: Draw.raw(in: 0...Int64.max, &$0)) }
            p.ref = ref()
            return .trade(p)
        case .oraclePrice:
            var p = OraclePrice()
            p.market = Draw.identifier(&rng); p.price = Price(raw: positive()); p.publishTime = Draw.time(&rng)
            return .oraclePrice(p)
        case .auctionBid:
            var p = AuctionBid()
            p.auction = Draw.seq(&rng); p.bidder = Draw.identifier(&rng)
            p.qty = Quantity(raw: positive()); p.limitPrice = Price(raw: positive())
            return .auctionBid(p)
        case .insuranceDeposit:
            var p = InsuranceDeposit()
            p.amount = Money(raw: positive()); p.ref = ref()
            return .insuranceDeposit(p)
        case .funding, .clock:
            return any(kind, &rng)
        default:
            preconditionFailure("\(kind.name) is not an input")
        }
    }
}

/// PropertyBased generators over the draws above.
enum Gens {
    static func record(_ kind: EventKind) -> Generator<Record, Shrink.None<Record>> {
        Generator { rng in Payloads.record(kind, &rng) }
    }

    /// An input record as read from an offline file: time ≥ 0, no cause.
    static func validInput(_ kind: EventKind) -> Generator<Record, Shrink.None<Record>> {
        Generator { rng in
            let seq = max(1, Draw.seq(&rng))
            let time = TimeMs(Draw.raw(in: 0...Int64.max, &rng))
            return Record(seq: seq, time: time, event: Payloads.validInput(kind, &rng))
        }
    }

    static let raw: Generator<Int64, Shrink.None<Int64>> = Generator { rng in Draw.raw(&rng) }

    /// The input kinds, for parameterized tests.
    static let inputKinds = EventKind.allCases.filter(\.isInput)
}
