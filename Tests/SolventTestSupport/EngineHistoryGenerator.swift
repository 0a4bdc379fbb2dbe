import SolventCore

/// Generates engine-heavy input streams: two markets (BTC-PERP near 20,000 and ETH-PERP near
/// 1,500, each with its own reference price and tiers), eight thin-margined traders trading both
/// (cross margin), three well-funded bidding bots. Seeded, so a failing history is reproduced by
/// its seed. The seed also picks the history's profile (`Profile`): how big the insurance fund is,
/// whether the auction caps are tight enough to defer liquidations.
public struct EngineHistoryGenerator {
    /// One listed market and how its prices and trades are drawn.
    public struct MarketSpec: Sendable {
        public let id: String
        public let lot: String
        public let lotRaw: Int64
        public let tick: String
        public let tiers: [Tier]
        /// Where the reference price starts (raw).
        public let startRaw: Int64
        /// Largest trade, in lots: ~2 BTC or ~27 ETH, ~40,000 of notional.
        public let maxLots: Int64
    }

    /// What the seed decides about a history beyond its events.
    public struct Profile: Sendable, Equatable {
        /// The fund's first deposit: large (backstops fit), none (all goes to ADL and bad debt),
        /// or small (backstops half-fit or are refused for the fund's margin, and a move against
        /// what it took soon reaches its maintenance margin).
        public var fundDeposit: String?
        /// Small `holeGlobal`/`holeMarket` (a second auction rarely fits): `liquidation.deferred`.
        public var tightCaps: Bool
        /// With the small fund: `fundImr` 0.1 and `fundMmr` 0.07 instead of 0.25 and 0.125, so a
        /// backstop fills the fund close to its maintenance margin and an ordinary move (not only
        /// a crash) takes it there: `insurance.deleveraged`, at the mark or, after a gap, at its
        /// bankruptcy price.
        public var thinFundMargin: Bool

        public init(seed: UInt64) {
            fundDeposit = ["20000", nil, "1500"][Int(seed % 3)]
            tightCaps = seed % 4 < 2
            thinFundMargin = seed % 3 == 2
        }
    }

    public var random: SplitMix64
    public let profile: Profile
    /// Each market's oracle reference price (raw), random-walking from its start.
    public var references: [Int64]
    /// Per market: how many more inputs its oracle stays silent (an outage that outlasts
    /// `maxStaleness` halts the market; the next price resumes it).
    public var outages: [Int]
    /// The other leg of a spread trade, sent as the next input (`tradeEvent`).
    public var pendingLeg: Event?
    public let traders = (0..<8).map { "t\($0)" }
    public let bidders = ["bot0", "bot1", "bot2"]
    public static let btc = MarketSpec(id: "BTC-PERP", lot: "0.001", lotRaw: 100_000, tick: "0.1",
                                       tiers: [tier("50000", mmr: "0.004", imr: "0.008"), tier("250000", mmr: "0.005", imr: "0.01", maint: "50"),
                                               tier("1000000", mmr: "0.01", imr: "0.02", maint: "1300")],
                                       startRaw: 20_000 * fixedScale, maxLots: 2_000)
    public static let eth = MarketSpec(id: "ETH-PERP", lot: "0.01", lotRaw: 1_000_000, tick: "0.01",
                                       tiers: [tier("25000", mmr: "0.005", imr: "0.01"), tier("200000", mmr: "0.0075", imr: "0.015", maint: "62.5"),
                                               tier("1000000", mmr: "0.01", imr: "0.02", maint: "562.5")],
                                       startRaw: 1_500 * fixedScale, maxLots: 2_700)
    public static let markets = [btc, eth]
    /// The first market, under its old name (one-market tests and the audit's generated logs).
    public static let market = btc.id
    /// The highest maintenance rate of any tier of any market: the auction bound's input.
    public static let mmrMax = "0.01"
    /// A clock tick moves time on by one stairstep step: the unit of the auction bound.
    public static let tickMs: Int64 = 10_000
    /// Time between other events: under a tick, so only clocks make auctions step.
    public static let maxGapMs: Int64 = 2_000
    /// `maxStaleness`: a market whose oracle is silent for ~6 ticks halts (an ordinary gap
    /// between two of its prices rarely lasts that long). Outages (below) last 25–60 inputs,
    /// ~60–150 s, so most halt and some do not.
    public static let maxStalenessMs: Int64 = 90_000

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        profile = Profile(seed: seed)
        references = Self.markets.map(\.startRaw)
        outages = Self.markets.map { _ in 0 }
    }

    /// Markets, fee parameters that let a partial close restore an account (as in the worked
    /// examples), a short margin-call grace so `margin_call_expired` happens, a staleness limit
    /// that outages reach, tight caps in some seeds, funded bots and the profile's fund.
    public func genesis(seed: UInt64) -> [Event] {
        var events = Self.markets.map { listed($0.id, lot: $0.lot, tick: $0.tick, tiers: $0.tiers) }
        events.append(params {
            $0.minFee = rate("0.001"); $0.maxFee = rate("0.01"); $0.callGrace = 30_000
            $0.maxStaleness = Self.maxStalenessMs
            if profile.tightCaps { $0.holeGlobal = money("14000"); $0.holeMarket = money("9000") }
            if profile.thinFundMargin { $0.fundImr = rate("0.1"); $0.fundMmr = rate("0.07") }
        })
        events += Self.markets.map { oracle($0.id, Price(raw: $0.startRaw).description) }
        events += bidders.map { deposit($0, "2000000") }
        events += traders.map { deposit($0, "3000") }
        if let fund = profile.fundDeposit { events.append(insuranceDeposit(fund)) }
        return events
    }

    public mutating func pick(_ names: [String]) -> String { names[Int(random.int(0...Int64(names.count - 1)))] }

    /// A market: BTC more often than ETH.
    public mutating func pickMarket() -> Int { random.chance(60) ? 0 : 1 }

    /// The next input; `running` are the auctions the log shows as started and not yet ended,
    /// `auctionMarkets` the market of each (when the caller tracks it; else bids price off BTC).
    public mutating func next(_ ledger: Ledger, running: [Seq], auctionMarkets: [Seq: String] = [:]) -> Event {
        for m in outages.indices where outages[m] > 0 { outages[m] -= 1 }
        if let leg = pendingLeg {
            pendingLeg = nil
            return leg
        }
        switch random.int(1...100) {
        case 1...6: return deposit(pick(traders), Money(raw: random.int(1...2_000 * fixedScale)).description)
        case 7...10: return withdrawalEvent(ledger)
        case 11...40: return tradeEvent()
        case 41...62: return oracleEvent()
        case 63...66: return funding(Self.markets[pickMarket()].id, Rate(raw: random.int(-200_000...200_000)).description)
        case 67: return insuranceDeposit(Money(raw: random.int(1...500 * fixedScale)).description)
        case 68...85: return running.isEmpty ? oracleEvent() : bidEvent(ledger, running: running, auctionMarkets: auctionMarkets)
        default: return clockTick
        }
    }

    public mutating func withdrawalEvent(_ ledger: Ledger) -> Event {
        let account = pick(traders)
        let available = ledger.margin(id(account))?.available.raw ?? 0
        let amount = random.chance(50) ? available : random.int(1...1_000 * fixedScale)
        return withdrawal(account, Money(raw: max(1, amount)).description)
    }

    /// Between two traders (or a trader and a bot), in either market, up to ~40,000 of notional
    /// near the reference: with 3,000 of margin that is up to ~13× leverage, so moves of a few %
    /// liquidate, and traders holding both markets are margined across them. A third of trades
    /// are spreads: the next input is the same trader taking the other side of about the same
    /// notional in the other market. A spread holder loses little in a correlated crash but has
    /// little equity for its size, so as an ADL counterparty it can take only part of a gapped
    /// account's position at the bankruptcy price (the rest goes at the mark, and the deficit
    /// left is the fund's to pay or a `bad_debt` record).
    public mutating func tradeEvent() -> Event {
        let m = pickMarket()
        let spec = Self.markets[m]
        let buyer = random.chance(85) ? pick(traders) : pick(bidders)
        var seller = pick(traders)
        while seller == buyer { seller = pick(traders) }
        let (first, second) = random.chance(50) ? (buyer, seller) : (seller, buyer)
        let lots = random.int(1...spec.maxLots)
        let event = trade(m, buyer: first, seller: second, lots: lots)
        if random.chance(33), first.hasPrefix("t") || second.hasPrefix("t") {
            let spreader = first.hasPrefix("t") ? first : second
            let other = 1 - m
            var counterparty = pick(traders)
            while counterparty == spreader { counterparty = pick(traders) }
            let notional = Int128(lots) * Int128(spec.lotRaw) * Int128(references[m]) / Int128(fixedScale)
            let otherLots = max(1, min(Self.markets[other].maxLots, Int64(notional * Int128(fixedScale) / Int128(references[other]) / Int128(Self.markets[other].lotRaw))))
            pendingLeg = spreader == first ? trade(other, buyer: counterparty, seller: spreader, lots: otherLots)
                                           : trade(other, buyer: spreader, seller: counterparty, lots: otherLots)
        }
        return event
    }

    /// `lots` of market `m` near its reference, rounded to the tick.
    mutating func trade(_ m: Int, buyer: String, seller: String, lots: Int64) -> Event {
        let spec = Self.markets[m]
        let quantity = Quantity(raw: spec.lotRaw * lots)
        let reference = references[m]
        let drift = reference / 10_000 * random.int(-30...30)
        let tick: Int64 = spec.id == Self.btc.id ? 10_000_000 : 1_000_000
        let tradePrice = Price(raw: (reference + drift) / tick * tick)
        return SolventTestSupport.trade(spec.id, buyer: buyer, seller: seller, quantity.description, at: tradePrice.description)
    }

    /// A price for a market whose oracle is not out: ±0.6 % steps; 4 % of ticks crash 5–15 %
    /// (gapping past the bankruptcy prices of leveraged longs), 2 % spike up as much. A crash or
    /// spike moves the other market's reference too, 75 % of the time (its next price shows
    /// it): correlated moves hit cross-margined traders on both legs and thin the equity ADL
    /// counterparties have. 1 % of prices start an outage of that market's oracle.
    public mutating func oracleEvent() -> Event {
        var m = pickMarket()
        if outages[m] > 0 { m = 1 - m }
        if outages[m] > 0 { return clockTick }
        let roll = random.int(1...100)
        let moveBp: Int64 = roll <= 4 ? -random.int(500...1_500) : roll <= 6 ? random.int(500...1_500) : random.int(-60...60)
        move(m, bp: moveBp)
        if roll <= 6 && random.chance(75) { move(1 - m, bp: moveBp) }
        if random.int(1...1_000) <= 10 { outages[m] = Int(random.int(25...60)) }
        return oracle(Self.markets[m].id, Price(raw: references[m]).description)
    }

    mutating func move(_ m: Int, bp: Int64) {
        let floor = Self.markets[m].startRaw / 20
        references[m] = max(floor, references[m] + references[m] / 10_000 * bp + random.int(0...99))
    }

    /// A bot bids on a running auction: limits around its market's mark (some too mean to fill),
    /// sizes from a few lots to more than the remainder.
    public mutating func bidEvent(_ ledger: Ledger, running: [Seq], auctionMarkets: [Seq: String] = [:]) -> Event {
        let auction = running[Int(random.int(0...Int64(running.count - 1)))]
        let spec = Self.markets.first { $0.id == auctionMarkets[auction] } ?? Self.btc
        let m = Self.markets.firstIndex { $0.id == spec.id } ?? 0
        let mark = ledger.mark(market: id(spec.id))?.raw ?? references[m]
        var p = AuctionBid()
        p.auction = auction
        p.bidder = id(pick(bidders))
        p.qty = Quantity(raw: spec.lotRaw * random.int(1...spec.maxLots * 3 / 4))
        let limit = mark + mark / 10_000 * random.int(-400...400)
        let tick: Int64 = spec.id == Self.btc.id ? 10_000_000 : 1_000_000
        p.limitPrice = Price(raw: max(tick, limit / tick * tick))
        return .auctionBid(p)
    }
}
