/// Which way a liquidation auction's price moves (SPEC §5.4).
public enum AuctionDirection: Sendable, Equatable {
    /// The engine sells a long: the price falls from `mark × (1 + auctionBuffer)`.
    case falling
    /// The engine buys back a short: the price rises from `mark × (1 − auctionBuffer)`.
    case rising

    /// The direction of the auction that closes (part of) `position`.
    public init(closing position: Quantity) {
        self = position.isNegative ? .rising : .falling
    }
}

/// The current price of a Dutch auction: MakerDAO's abaci curves (SPEC §5.4), computed at Maker's
/// RAY precision and rounded once to 8 decimals.
public enum AuctionPrice {
    /// The price `elapsedMs` after the auction started at `start`.
    ///
    /// Falling (Maker's own curves): `start × factor`, where `factor` is `(tau − dur) / tau`,
    /// `cut^⌊dur / step⌋` or `cut^⌊seconds⌋` — see `Abacus` for milliseconds versus Maker's
    /// seconds.
    ///
    /// Rising (our mirror for shorts): `start × (2 − factor)`, the falling curve reflected in the
    /// start price. The bidder's premium then equals the discount a long's bidder would see at the
    /// same moment, so longs and shorts are liquidated alike; the price stays bounded (at most
    /// `2 × start`, reached by linear at `tau`), where `start / factor` would divide by zero; and
    /// `cusp` keeps one meaning — the fraction of the start the price has moved.
    ///
    /// Rounding (SPEC §2, against the liquidated account, whose position this trade closes): a
    /// falling price is what the account receives per unit, so it rounds down — which is also
    /// Maker's `rmul` floor, so Maker's values rounded down to 8 decimals come out exactly; a
    /// rising price is what the account pays, so it rounds up. Each rounding follows the curve's
    /// own direction, so the rounded curve stays monotonic, and the two are exact mirrors:
    /// `falling + rising = 2 × start`. Fill cash is rounded again by the engine (`notional`).
    public static func price(
        curve: AuctionCurve, start: Price, elapsedMs: Int64, direction: AuctionDirection, params: RiskParams
    ) -> Price {
        price(abacus: Abacus(curve: curve, params: params), start: start, elapsedMs: elapsedMs, direction: direction)
    }

    /// As above for a curve given at Maker's precision (used by the Maker test vectors).
    static func price(abacus: Abacus, start: Price, elapsedMs: Int64, direction: AuctionDirection) -> Price {
        precondition(start >= .zero, "an auction price is never negative")
        let factor = abacus.factorRay(elapsedMs: elapsedMs)
        // `start.raw × factor / RAY` is Maker's `rmul(top, factor)` with `top` in RAY, divided by
        // 10^19: ⌊⌊x⌋ / n⌋ = ⌊x / n⌋, so flooring once here equals Maker's floor then ours.
        let startRaw = UInt128(start.raw)
        switch direction {
        case .falling:
            return Price(raw: Int64(Ray.mulDiv(startRaw, factor, Ray.one)))
        case .rising:
            return Price(raw: Int64(Ray.mulDiv(startRaw, 2 * Ray.one - factor, Ray.one, roundingUp: true)))
        }
    }
}
