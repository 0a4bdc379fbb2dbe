/// The non-linear liquidation penalty of SPEC §5.6, paid by the liquidated account to `insurance`.
///
/// The rate grows with the square of how deep the liquidation has gone relative to `feeDepth`, so
/// small liquidations pay about `minFee` and large ones, which cost the market most, `maxFee`.
public enum Penalty {
    /// `minFee + (maxFee − minFee) × min(1, liquidatedNotional / feeDepth)^2`, exact in integers
    /// and rounded up (SPEC §2: a fee is owed by the account). A zero `feeDepth` counts every
    /// liquidation as full depth (`maxFee`), the limit of the formula as the depth shrinks.
    public static func feeRate(liquidatedNotional: Money, params: RiskParams) -> Rate {
        let depth = params.feeDepth.raw
        guard depth > 0 else { return params.maxFee }
        let reached = min(max(liquidatedNotional.raw, 0), depth)
        let spread = params.maxFee.raw - params.minFee.raw
        return Rate(raw: params.minFee.raw + scaledBySquare(spread, reached, depth))
    }

    /// The fee on one fill of `notional`: `notional × feeRate`, rounded up, and never more than
    /// `equityAvailable` (the account's equity after the fill, before the fee), so the penalty
    /// never drives equity below zero; with no equity left it is zero and any shortfall is the
    /// insurance fund's (SPEC §5.7).
    ///
    /// `liquidatedNotional` is the notional liquidated so far in this liquidation, this fill
    /// included: the caller chooses the running total, this function only prices it.
    public static func penalty(
        notional: Money, liquidatedNotional: Money, params: RiskParams, equityAvailable: Money
    ) -> Money {
        precondition(notional >= .zero, "a fill's notional is never negative")
        let rate = feeRate(liquidatedNotional: liquidatedNotional, params: params)
        let fee = notional.times(rate, rounding: .up)
        return min(fee, max(equityAvailable, .zero))
    }

    /// `⌈spread × reached² / depth²⌉` for `0 ≤ reached ≤ depth`, exact over 256 bits: `reached²`
    /// alone fills an `Int128`. Ceiling whatever the sign, so an inverted `maxFee < minFee` still
    /// rounds towards the larger fee. The result lies between 0 and `spread`.
    static func scaledBySquare(_ spread: Int64, _ reached: Int64, _ depth: Int64) -> Int64 {
        let numerator = UInt128(spread.magnitude) * UInt128(reached)
        let denominator = UInt128(depth) * UInt128(depth)
        let magnitude = Ray.mulDiv(numerator, UInt128(reached), denominator, roundingUp: spread >= 0)
        return spread >= 0 ? Int64(magnitude) : -Int64(magnitude)
    }
}
