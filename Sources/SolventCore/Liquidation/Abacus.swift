/// One of MakerDAO's three auction price curves (dss `src/abaci.sol`), with `cut` held at Maker's
/// RAY precision so that Maker's own test vectors (cuts with up to 27 decimals) run through the
/// same code as our `RiskParams` (cuts with 8 decimals).
///
/// Time: our log counts milliseconds, Maker counts whole seconds. Linear and stairstep depend only
/// on ratios of durations (`(tau − dur) / tau`, `dur / step`), so they take milliseconds directly;
/// with whole-second inputs they give Maker's result exactly, because
/// `⌊⌊ms / 1000⌋ / step⌋ = ⌊ms / (1000 · step)⌋`. Exponential's `cut` is per second and a
/// fractional power cannot be computed exactly in integers, so its exponent is whole elapsed
/// seconds, `⌊ms / 1000⌋` — which is what Maker's own per-second clock gives it too.
enum Abacus: Equatable, Sendable {
    /// `LinearDecrease`: the price reaches zero `tauMs` after the start.
    case linear(tauMs: Int64)
    /// `StairstepExponentialDecrease`: the price is multiplied by `cutRay` every whole `stepMs`.
    case stairstep(stepMs: Int64, cutRay: UInt128)
    /// `ExponentialDecrease`: the price is multiplied by `cutRay` every whole second.
    case exponential(cutRay: UInt128)

    static let msPerSecond: Int64 = 1_000

    /// The curve chosen by `curve`, parameterised from `params` (cut widened from 8 to 27 decimals).
    init(curve: AuctionCurve, params: RiskParams) {
        precondition(params.cut >= .zero && params.cut <= .one, "cut must be between 0 and 1")
        let cutRay = UInt128(params.cut.raw) * Ray.perFixedRaw
        switch curve {
        case .linear: self = .linear(tauMs: params.tauMs)
        case .stairstep: self = .stairstep(stepMs: params.stepMs, cutRay: cutRay)
        case .exponential: self = .exponential(cutRay: cutRay)
        }
    }

    /// The fraction of the start price left after `elapsedMs`, in RAY, rounded as Maker rounds it;
    /// never above 1 (RAY), so the rising mirror `2 − factor` stays within `[1, 2]`.
    func factorRay(elapsedMs: Int64) -> UInt128 {
        precondition(elapsedMs >= 0, "elapsed time must not be negative")
        let factor: UInt128
        switch self {
        case .linear(let tauMs):
            // Maker: `if (dur >= tau) return 0; mul(tau - dur, RAY) / tau` (floored).
            guard elapsedMs < tauMs else { return 0 }
            factor = Ray.mulDiv(UInt128(tauMs - elapsedMs), Ray.one, UInt128(tauMs))
        case .stairstep(let stepMs, let cutRay):
            // Maker divides by `step` and would revert on 0; a zero step means no steps, so the
            // price holds at its start until the `tail` reset (params validation allows 0).
            guard stepMs > 0 else { return Ray.one }
            factor = Ray.rpow(cutRay, UInt64(elapsedMs / stepMs))
        case .exponential(let cutRay):
            factor = Ray.rpow(cutRay, UInt64(elapsedMs / Self.msPerSecond))
        }
        precondition(factor <= Ray.one, "cut must not exceed 1")
        return factor
    }
}
