import Foundation
import SolventCore
import SolventRandom

/// One leveraged trader: a side of one opening trade.
public struct Trader: Equatable, Sendable {
    public var id: AccountID
    public var leverage: Int64
    public var deposit: Money
}

/// A long and a short opening the same quantity against each other at the mark of their opening
/// time, so positions sum to zero by construction.
public struct TraderPair: Equatable, Sendable {
    public var long: Trader
    public var short: Trader
    public var qty: Quantity
    /// When the pair opens, after the path's start: entries are spread over the opening window
    /// so that not every position carries the same entry price.
    public var openOffsetMs: Int64 = 0
}

/// The seeded population of a run (docs/CASCADES.md "Population"): traders in pairs, bidding bots,
/// and the insurance fund's opening balance.
public struct Population: Equatable, Sendable {
    public var pairs: [TraderPair]
    public var bots: [BotProfile]
    public var insuranceDeposit: Money
    /// Deposit of each bot's hedge account (`hedge-k`, docs/CASCADES.md "Liquidity that
    /// recycles"): the open interest, so a hedge account could absorb every long of the
    /// population unlevered and is never liquidated by the path; zero with `.hold` (no hedge accounts).
    public var hedgeDeposit: Money
    /// Σ notional of the longs at the first price (= the shorts'): the open interest.
    public var openInterest: Money

    /// Leverage choices and their weights in percent (docs/CASCADES.md): most retail positions sit
    /// at 5–20x, a tail goes to 50–100x, as exchanges' published leverage distributions show.
    public static let leverageWeights: [(leverage: Int64, percent: UInt64)] = [
        (2, 10), (3, 10), (5, 20), (10, 25), (20, 20), (50, 10), (100, 5),
    ]
    /// Pair notional: Pareto with minimum `notionalMin` and tail index `paretoAlpha`, capped.
    public static let notionalMin = 2_000.0
    public static let paretoAlpha = 1.5
    public static let notionalMax = 2_000_000.0

    public init(config: SimConfig, listing: MarketListed, firstPrice: Price) {
        var random = SplitMix64(state: config.seed)
        let pairCount = max(config.accounts / 2, 1)
        var pairs: [TraderPair] = []
        pairs.reserveCapacity(pairCount)
        var openInterest = Money.zero
        for k in 0..<pairCount {
            let pair = Self.pair(k, random: &random, lot: listing.lotSize, price: firstPrice)
            openInterest += pair.qty.notional(at: firstPrice, rounding: .down)
            pairs.append(pair)
        }
        let windowMs = config.openingWindowMs
        if windowMs > 0 {
            for k in pairs.indices { pairs[k].openOffsetMs = Int64(random.below(UInt64(windowMs))) }
        }
        self.pairs = pairs
        self.openInterest = openInterest
        bots = BotProfile.population(count: config.botCount, capitalTotal: openInterest.scaled(by: config.botCapitalRatio),
                                     random: &random)
        insuranceDeposit = max(Money(units: 1), openInterest.scaled(by: config.insuranceRatio))
        hedgeDeposit = config.liquidity == .hold ? .zero : max(Money(units: 1), openInterest)
    }

    static func pair(_ k: Int, random: inout SplitMix64, lot: Quantity, price: Price) -> TraderPair {
        // Pareto by inversion: x = xmin × (1 − u)^(−1/α).
        let u = random.unit()
        let notional = min(notionalMax, notionalMin * pow(1 - u, -1 / paretoAlpha))
        let lots = max(1, Int64(notional * Double(fixedScale) / Double(price.raw) * Double(fixedScale) / Double(lot.raw)))
        let qty = Quantity(raw: lots * lot.raw)
        let number = String(k + 1)
        let long = trader("long-" + number, qty: qty, price: price, random: &random)
        let short = trader("short-" + number, qty: qty, price: price, random: &random)
        return TraderPair(long: long, short: short, qty: qty)
    }

    static func trader(_ name: String, qty: Quantity, price: Price, random: inout SplitMix64) -> Trader {
        var pick = random.below(100)
        var leverage = leverageWeights[0].leverage
        for (choice, percent) in leverageWeights {
            if pick < percent { leverage = choice; break }
            pick -= percent
        }
        let notional = qty.notional(at: price, rounding: .up)
        // No more than 90 % of the tier's maximum leverage (1 / imr), so the opening trade passes
        // the IM check with room for the trade's rounding.
        let imr = MarketSetup.tiers[MarketSetup.tierIndex(notional: notional)].imr
        leverage = min(leverage, max(1, 90_000_000 / imr.raw))
        let margin = Money(raw: (notional.raw + leverage - 1) / leverage)
        return Trader(id: AccountID(valid: name), leverage: leverage, deposit: margin + Money(units: 1))
    }
}

extension Money {
    /// `self × fraction`, rounded down (sizes of the simulated population, never a ledger amount).
    func scaled(by fraction: Double) -> Money { Money(raw: Int64((Double(raw) * fraction).rounded(.down))) }
}
