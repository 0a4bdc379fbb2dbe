/// MakerDAO's RAY fixed point (value = raw / 10^27) on `UInt128`, with 256-bit intermediates.
///
/// Auction curves are computed at Maker's precision so they reproduce Maker's numbers, then
/// rounded once to our 8 decimals (SPEC §2). A RAY × RAY product (≈ 10^54) does not fit in 128
/// bits, so products go through `multipliedFullWidth` and `dividingFullWidth`; a quotient that
/// does not fit traps, as Maker's overflow checks revert.
enum Ray {
    /// 10^27, Maker's RAY.
    static let one: UInt128 = 1_000_000_000_000_000_000_000_000_000
    /// 10^19: a `FixedPoint` raw value (10^-8 units) times this is the same value in RAY.
    static let perFixedRaw: UInt128 = 10_000_000_000_000_000_000

    /// `floor(x * y / divisor)` or its ceiling, exact over 256 bits.
    static func mulDiv(_ x: UInt128, _ y: UInt128, _ divisor: UInt128, roundingUp: Bool = false) -> UInt128 {
        precondition(divisor > 0, "divisor must be positive")
        let product = x.multipliedFullWidth(by: y)
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        return roundingUp && remainder > 0 ? quotient + 1 : quotient
    }

    /// Maker's `rmul`: `x * y / RAY`, floored (dss `src/abaci.sol`).
    static func rmul(_ x: UInt128, _ y: UInt128) -> UInt128 {
        mulDiv(x, y, one)
    }

    /// `(x * y + RAY / 2) / RAY`: the half-up rounded product inside Maker's assembly `rpow`.
    static func rmulHalfUp(_ x: UInt128, _ y: UInt128) -> UInt128 {
        let (high, low) = x.multipliedFullWidth(by: y)
        let (rounded, carry) = low.addingReportingOverflow(one / 2)
        return one.dividingFullWidth((carry ? high + 1 : high, rounded)).quotient
    }

    /// Maker's `rpow(x, n, RAY)`: `x^n` by squaring, each product rounded half-up, bit for bit as
    /// the assembly in dss `src/abaci.sol` ("optimized version from dss PR #78"). At most 64
    /// squarings, one per bit of `n`.
    static func rpow(_ base: UInt128, _ exponent: UInt64) -> UInt128 {
        if exponent == 0 { return one }
        if base == 0 { return 0 }
        var x = base
        var n = exponent
        var z = n % 2 == 0 ? one : x
        n /= 2
        while n > 0 {
            x = rmulHalfUp(x, x)
            if n % 2 == 1 { z = rmulHalfUp(z, x) }
            n /= 2
        }
        return z
    }
}
