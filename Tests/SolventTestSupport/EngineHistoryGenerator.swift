import SolventCore

/// Generates engine-heavy input streams: one market, eight thin-margined traders, three
/// well-funded bidding bots. Seeded, so a failing history is reproduced by its seed.
public struct EngineHistoryGenerator {
    public var random: SplitMix64
    /// The oracle's current price (raw), random-walking from 20,000.
    public var reference: Int64 = 20_000 * fixedScale
    public let traders = (0..<8).map { "t\($0)" }
    public let bidders = ["bot0", "bot1", "bot2"]
    public static let market = "BTC-PERP"
    public static let tiers = [tier("50000", mmr: "0.004", imr: "0.008"), tier("250000", mmr: "0.005", imr: "0.01", maint: "50"),
                        tier("1000000", mmr: "0.01", imr: "0.02", maint: "1300")]
    /// A clock tick moves time on by one stairstep step: the unit of the auction bound.
    public static let tickMs: TimeMs = 10_000
    /// Time between other events: under a tick, so only clocks make auctions step.
    public static let maxGapMs: Int64 = 2_000

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Market, fee parameters that let a partial close restore an account (as in the worked
    /// examples), a short margin-call grace so `margin_call_expired` happens, funded bots and a
    /// fund that is empty for odd seeds (so the backstop fails and ADL runs).
    public func genesis(seed: UInt64) -> [Event] {
        var events = [listed(Self.market, tiers: Self.tiers),
                      params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01"); $0.callGrace = 30_000 },
                      oracle(Self.market, "20000")]
        events += bidders.map { deposit($0, "2000000") }
        events += traders.map { deposit($0, "3000") }
        if seed % 2 == 0 { events.append(insuranceDeposit("20000")) }
        return events
    }

    public mutating func pick(_ names: [String]) -> String { names[Int(random.int(0...Int64(names.count - 1)))] }

    /// The next input; `running` are the auctions the log shows as started and not yet ended.
    public mutating func next(_ ledger: Ledger, running: [Seq]) -> Event {
        switch random.int(1...100) {
        case 1...6: return deposit(pick(traders), Money(raw: random.int(1...2_000 * fixedScale)).description)
        case 7...10: return withdrawalEvent(ledger)
        case 11...40: return tradeEvent()
        case 41...62: return oracleEvent()
        case 63...66: return funding(Self.market, Rate(raw: random.int(-200_000...200_000)).description)
        case 67: return insuranceDeposit(Money(raw: random.int(1...500 * fixedScale)).description)
        case 68...85: return running.isEmpty ? oracleEvent() : bidEvent(ledger, running: running)
        default: return clockTick
        }
    }

    public mutating func withdrawalEvent(_ ledger: Ledger) -> Event {
        let account = pick(traders)
        let available = ledger.margin(id(account))?.available.raw ?? 0
        let amount = random.chance(50) ? available : random.int(1...1_000 * fixedScale)
        return withdrawal(account, Money(raw: max(1, amount)).description)
    }

    /// Between two traders (or a trader and a bot), up to 2 BTC near the mark: at 20,000 and
    /// 3,000 of margin, 1 BTC is ~6.7× leverage, so moves of a few % liquidate.
    public mutating func tradeEvent() -> Event {
        let buyer = random.chance(85) ? pick(traders) : pick(bidders)
        var seller = pick(traders)
        while seller == buyer { seller = pick(traders) }
        let (first, second) = random.chance(50) ? (buyer, seller) : (seller, buyer)
        let quantity = Quantity(raw: 100_000 * random.int(1...2_000))
        let drift = reference / 10_000 * random.int(-30...30)
        let tradePrice = Price(raw: (reference + drift) / 10_000_000 * 10_000_000)
        return trade(Self.market, buyer: first, seller: second, quantity.description, at: tradePrice.description)
    }

    /// ±0.6 % steps; 4 % of ticks crash 5–15 %, 2 % spike up as much.
    public mutating func oracleEvent() -> Event {
        let roll = random.int(1...100)
        let moveBp: Int64 = roll <= 4 ? -random.int(500...1_500) : roll <= 6 ? random.int(500...1_500) : random.int(-60...60)
        reference = max(1_000 * fixedScale, reference + reference / 10_000 * moveBp + random.int(0...99))
        return oracle(Self.market, Price(raw: reference).description)
    }

    /// A bot bids on a running auction: limits around the mark (some too mean to fill), sizes
    /// from a few lots to more than the remainder.
    public mutating func bidEvent(_ ledger: Ledger, running: [Seq]) -> Event {
        let auction = running[Int(random.int(0...Int64(running.count - 1)))]
        let mark = ledger.mark(market: id(Self.market))?.raw ?? reference
        var p = AuctionBid()
        p.auction = auction
        p.bidder = id(pick(bidders))
        p.qty = Quantity(raw: 100_000 * random.int(1...1_500))
        p.limitPrice = Price(raw: max(1, mark + mark / 10_000 * random.int(-400...400)))
        return .auctionBid(p)
    }
}

