import SolventCore
import SolventRandom

/// A liquidation bidder (a keeper): an account in the log with limited capital, a reaction delay
/// and the discount it wants against the mark (docs/CASCADES.md "Bidding bots").
public struct BotProfile: Equatable, Sendable {
    public var id: AccountID
    public var capital: Money
    /// Time from an auction's start (or reset) until this bot first bids on it.
    public var delayMs: Int64
    /// Buys from a falling auction at ≤ mark × (1 − discount); sells into a rising one at
    /// ≥ mark × (1 + discount).
    public var discount: Rate
    /// Gross position notional it allows itself, as a multiple of its equity.
    public var maxLeverage: Int64

    public static let delayRangeMs: ClosedRange<Int64> = 2_000...45_000
    public static let discountRange = 0.001...0.015
    public static let leverage: Int64 = 3

    /// `count` bots sharing `capitalTotal` with weights uniform in [0.5, 1.5).
    static func population(count: Int, capitalTotal: Money, random: inout SplitMix64) -> [BotProfile] {
        let share = Double(capitalTotal.raw) / Double(max(count, 1))
        return (0..<count).map { index in
            let capital = Money(raw: max(fixedScale, Int64(share * random.uniform(0.5, 1.5))))
            let span = UInt64(delayRangeMs.upperBound - delayRangeMs.lowerBound) / 1000 + 1
            let delayMs = delayRangeMs.lowerBound + Int64(random.below(span)) * 1000
            let discount = random.uniform(discountRange.lowerBound, discountRange.upperBound)
            return BotProfile(id: AccountID(valid: "bot-\(index + 1)"), capital: capital, delayMs: delayMs,
                              discount: Rate(raw: Int64(discount * 1e8)), maxLeverage: leverage)
        }
    }
}
