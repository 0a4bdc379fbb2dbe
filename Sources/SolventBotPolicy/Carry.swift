import SolventCore

/// How much of an auction the bot's account can carry: the most lots whose fill keeps
/// `available ≥ 0` and the position within the market's last tier (the engine's margin check for
/// a fill, Trades.swift `rejection`), and within the bot's own per-bid notional.
///
/// Buying below the mark (or selling above it) gains `qty × |mark − price|` in equity, but that
/// gain is unrealized profit, which `available` does not count (SPEC §4): so the fill changes
/// `available` by no less than minus the change in initial margin, less a unit of cash rounding.
/// The bound is exact in IM and conservative in the gain, so a bid it allows always passes.
struct Carry {
    var listing: MarketListed
    var mark: Price
    var price: Price
    /// The bot's signed position in the market before the fill.
    var held: Quantity
    var buying: Bool
    /// What the fill's IM may use (already less the policy's safety margin).
    var available: Money
    var maxNotional: Money?

    /// The largest multiple of the lot, at most `remaining`, that the account can take.
    func capacity(upTo remaining: Quantity) -> Quantity {
        let lot = listing.lotSize
        // Feasibility is monotone in the lot count: IM(|held + q|) falls then rises with q, and the
        // count 0 is feasible whenever `available ≥ 0`; so the feasible counts are 0…n.
        var low: Int64 = 0
        var high = remaining.raw / lot.raw
        while low < high {
            let mid = low + (high - low + 1) / 2
            if fits(Quantity(raw: mid * lot.raw)) { low = mid } else { high = mid - 1 }
        }
        return Quantity(raw: low * lot.raw)
    }

    func fits(_ qty: Quantity) -> Bool {
        if let maxNotional, qty.notional(at: price, rounding: .up) > maxNotional { return false }
        let after = buying ? held + qty : held - qty
        let notionalAfter = after.magnitude.notional(at: mark, rounding: .up)
        let increases = after.magnitude > held.magnitude || (after.isPositive != held.isPositive && !held.isZero && !after.isZero)
        // Beyond the last tier is the engine's risk limit for added exposure.
        if increases && listing.tierIndex(for: notionalAfter) == nil { return false }
        let imBefore = listing.initialMargin(notional: held.magnitude.notional(at: mark, rounding: .up))
        return available - (listing.initialMargin(notional: notionalAfter) - imBefore) >= .zero
    }
}
