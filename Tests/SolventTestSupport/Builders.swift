import SolventCore

// Builders for ledger tests: short names for the payloads, decimal strings for numbers.

public func money(_ text: String) -> Money { try! Money(parsing: text) }
public func price(_ text: String) -> Price { try! Price(parsing: text) }
public func qty(_ text: String) -> Quantity { try! Quantity(parsing: text) }
public func rate(_ text: String) -> Rate { try! Rate(parsing: text) }
/// An account id, a market id or a ref, whichever the context asks for.
public func id<ID: ValidIdentifier>(_ text: String) -> ID { ID(valid: text) }

/// What `id(_:)` makes: an `Identifier` (refs) or an `AccountID` or `MarketID`.
public protocol ValidIdentifier {
    init(valid text: String)
}

extension Identifier: ValidIdentifier {}
extension Tagged: ValidIdentifier where RawValue == Identifier {}

public func tier(_ cap: String, mmr: String, imr: String, maint: String = "0") -> Tier {
    Tier(notionalCap: money(cap), mmr: rate(mmr), imr: rate(imr), maintAmount: money(maint))
}

/// BTC-PERP of SPEC §9: two tiers, lot 0.001, tick 0.1.
public let specTiers = [tier("50000", mmr: "0.004", imr: "0.008"), tier("250000", mmr: "0.005", imr: "0.01", maint: "50")]

public func listed(_ market: String, lot: String = "0.001", tick: String = "0.1", tiers: [Tier] = specTiers) -> Event {
    var p = MarketListed()
    p.market = id(market)
    p.lotSize = qty(lot)
    p.tickSize = price(tick)
    p.tiers = tiers
    return .marketListed(p)
}

public func deposit(_ account: String, _ amount: String) -> Event {
    var p = Deposit()
    p.account = id(account)
    p.amount = money(amount)
    return .deposit(p)
}

public func withdrawal(_ account: String, _ amount: String) -> Event {
    var p = Withdrawal()
    p.account = id(account)
    p.amount = money(amount)
    return .withdrawal(p)
}

public func trade(_ market: String, buyer: String, seller: String, _ quantity: String, at tradePrice: String,
           buyerFee: String? = nil, sellerFee: String? = nil) -> Event {
    var p = Trade()
    p.market = id(market)
    p.buyer = id(buyer)
    p.seller = id(seller)
    p.qty = qty(quantity)
    p.price = price(tradePrice)
    p.buyerFee = buyerFee.map(money)
    p.sellerFee = sellerFee.map(money)
    return .trade(p)
}

public func oracle(_ market: String, _ markPrice: String) -> Event {
    var p = OraclePrice()
    p.market = id(market)
    p.price = price(markPrice)
    return .oraclePrice(p)
}

public func funding(_ market: String, _ fundingRate: String) -> Event {
    var p = Funding()
    p.market = id(market)
    p.rate = rate(fundingRate)
    return .funding(p)
}

public func insuranceDeposit(_ amount: String) -> Event {
    var p = InsuranceDeposit()
    p.amount = money(amount)
    return .insuranceDeposit(p)
}

public func params(_ build: (inout ParamsSet) -> Void) -> Event {
    var p = ParamsSet()
    build(&p)
    return .paramsSet(p)
}

public func bid(_ auction: Seq, _ bidder: String, _ quantity: String, limit: String) -> Event {
    var p = AuctionBid()
    p.auction = auction
    p.bidder = id(bidder)
    p.qty = qty(quantity)
    p.limitPrice = price(limit)
    return .auctionBid(p)
}

public let clockTick = Event.clock(Clock())

/// The rules a `LedgerDriver` and `replay` use unless a test names them. The worked examples
/// were written with the first design's default parameters (those of rules 1–2); rules 3 changes
/// only the defaults (`RiskParams(rules:)`), not the engine, so they keep testing the same
/// mechanics under rules 2. What rules 3's defaults do is tested by `SweptDefaultsTests` and the
/// simulations (which write new logs, under the current rules).
public let defaultTestRules = RulesVersion.v2

/// A ledger driven like the engine drives it: check, then apply at the next seq; derived events
/// take the seqs after their cause.
public struct LedgerDriver {
    /// A driver of an empty ledger under `rules` (the current ones unless a test pins the rules
    /// its worked example was written for).
    public init(rules: RulesVersion = defaultTestRules) {
        ledger = Ledger(rules: rules)
    }
    public var ledger: Ledger
    public var nextSeq: Seq = 1
    public var time: TimeMs = 1_000
    /// Every record appended so far, inputs and derived, in log order.
    public var log: [Record] = []

    /// Checks and applies; returns the derived events. Traps if `check` refuses.
    @discardableResult
    public mutating func send(_ event: Event) -> [Event] {
        do { try ledger.check(event) } catch { preconditionFailure("refused \(event): \(error)") }
        return append(event)
    }

    @discardableResult
    public mutating func append(_ event: Event) -> [Event] {
        let seq = nextSeq
        time += 1
        let derived = ledger.apply(event, seq: seq, time: time)
        log.append(Record(seq: seq, time: time, event: event))
        for (offset, d) in derived.enumerated() {
            log.append(Record(seq: seq + 1 + UInt64(offset), time: time, cause: seq, event: d))
        }
        nextSeq = seq + 1 + UInt64(derived.count)
        return derived
    }

    public func view(_ account: String) -> AccountView { ledger.account(id(account))! }
}

/// Replays records like `verify` does: inputs applied, derived records skipped.
public func replay(_ records: some Sequence<Record>, onto start: Ledger = Ledger(rules: defaultTestRules)) -> Ledger {
    var ledger = start
    for record in records { _ = ledger.apply(record.event, seq: record.seq, time: record.time) }
    return ledger
}
