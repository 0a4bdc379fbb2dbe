/// Products and quotients of fixed-point numbers, exact, rounded in a named direction.
///
/// "Down" is towards negative infinity (floor) and "up" towards positive infinity (ceiling), so
/// an amount rounded down is never more than the exact value, whatever its sign (SPEC §2: what an
/// account receives or may count rounds down, what it owes or must hold rounds up).
///
/// How, exactly and without `Int128` division (`__divti3` was ~16% of replay): the magnitudes'
/// full 128-bit product `|a|·|b| = hi·2^64 + lo` is divided by `divisor` as unsigned integers,
/// giving the exact truncated quotient `q` and remainder `r` of `|a·b| / divisor`. Then, with
/// `s` the sign of `a·b`: floor = `q` (s ≥ 0) or `−(q + [r ≠ 0])` (s < 0); ceiling = `q + [r ≠ 0]`
/// (s ≥ 0) or `−q` (s < 0) — the definitions of floor and ceiling of `s·(q + r/divisor)` with
/// `0 ≤ r < divisor`. When `hi == 0` the division is a 64-bit one (by a constant 10^8 the
/// compiler makes it a multiply and a shift); otherwise one `dividingFullWidth` (a single `div`
/// instruction), which needs `hi < divisor`, i.e. a quotient below 2^64: a larger one cannot fit
/// `Int64` and traps, as the `Int128` version did. FixedMathTests compares both on random and
/// edge inputs.
public enum FixedMath {
    /// `a * b / divisor`, floored. Traps when the result does not fit in `Int64`.
    @inlinable @inline(__always)
    public static func mulDivRoundingDown(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        let (negative, quotient, inexact) = magnitudeQuotient(a, b, divisor)
        return negative ? negated(quotient &+ (inexact ? 1 : 0), carry: inexact && quotient == .max) : positive(quotient)
    }

    /// `a * b / divisor`, ceiled. Traps when the result does not fit in `Int64`.
    @inlinable @inline(__always)
    public static func mulDivRoundingUp(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        let (negative, quotient, inexact) = magnitudeQuotient(a, b, divisor)
        if negative { return negated(quotient, carry: false) }
        precondition(!(inexact && quotient == .max), "mulDiv result does not fit Int64")
        return positive(quotient &+ (inexact ? 1 : 0))
    }

    /// Sign of `a·b`, and `|a·b| / divisor` truncated, with whether a remainder was left.
    @inlinable @inline(__always)
    static func magnitudeQuotient(_ a: Int64, _ b: Int64, _ divisor: Int64) -> (negative: Bool, quotient: UInt64, inexact: Bool) {
        precondition(divisor > 0, "divisor must be positive")
        let d = UInt64(divisor)
        let (hi, lo) = a.magnitude.multipliedFullWidth(by: b.magnitude)
        let negative = (a < 0) != (b < 0)
        if hi == 0 {
            let (q, r) = lo.quotientAndRemainder(dividingBy: d)
            return (negative, q, r != 0)
        }
        // |a|·|b| = |a|·w·d + |a|·p for |b| = w·d + p: the quotient is |a|·w + ⌊|a|·p / d⌋ and
        // the remainder that of |a|·p. When those fit 64 bits (a position's value: |q|·|price|
        // passes 2^64 beyond ~0.06 BTC at 30,000, but |q|·p stays below it) that is 64-bit
        // divisions by `divisor` — a multiply when it is the constant 10^8 — instead of
        // `dividingFullWidth`, which is a call of `__udivti3`. Otherwise, or when the sum
        // overflows (then so does the quotient, which traps below as before), the full width.
        let (w, p) = b.magnitude.quotientAndRemainder(dividingBy: d)
        let (partHigh, partLow) = a.magnitude.multipliedFullWidth(by: p)
        let whole = a.magnitude.multipliedReportingOverflow(by: w)
        if partHigh == 0, !whole.overflow {
            let (q, r) = partLow.quotientAndRemainder(dividingBy: d)
            let sum = whole.partialValue.addingReportingOverflow(q)
            if !sum.overflow { return (negative, sum.partialValue, r != 0) }
        }
        precondition(hi < d, "mulDiv result does not fit Int64")
        let (q, r) = d.dividingFullWidth((hi, lo))
        return (negative, q, r != 0)
    }

    @inlinable @inline(__always)
    static func positive(_ magnitude: UInt64) -> Int64 {
        precondition(magnitude <= UInt64(Int64.max), "mulDiv result does not fit Int64")
        return Int64(bitPattern: magnitude)
    }

    /// `−magnitude` (`carry`: the magnitude overflowed UInt64 when rounded away from zero).
    @inlinable @inline(__always)
    static func negated(_ magnitude: UInt64, carry: Bool) -> Int64 {
        precondition(!carry && magnitude <= UInt64(Int64.max) + 1, "mulDiv result does not fit Int64")
        return Int64(bitPattern: 0 &- magnitude)
    }
}

/// Which way a lossy product rounds; see `FixedMath`.
public enum Rounding: Sendable {
    case down
    case up

    @inlinable @inline(__always)
    func mulDiv(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        switch self {
        case .down: FixedMath.mulDivRoundingDown(a, b, divisor)
        case .up: FixedMath.mulDivRoundingUp(a, b, divisor)
        }
    }
}

extension Quantity {
    /// Signed value of a position at a price, `q * p / 10^8` (SPEC §3 `value`).
    @inlinable @inline(__always)
    public func value(at price: Price, rounding: Rounding) -> Money {
        Money(raw: rounding.mulDiv(raw, price.raw, fixedScale))
    }

    /// Unsigned notional `|q| * p / 10^8` (SPEC §2 `notional`).
    @inlinable @inline(__always)
    public func notional(at price: Price, rounding: Rounding) -> Money {
        magnitude.value(at: price, rounding: rounding)
    }
}

extension Money {
    /// This amount times a fraction, e.g. notional × mmr.
    @inlinable @inline(__always)
    public func times(_ rate: Rate, rounding: Rounding) -> Money {
        Money(raw: rounding.mulDiv(raw, rate.raw, fixedScale))
    }
}

extension Price {
    /// This price times a fraction, e.g. mark × (1 + auctionBuffer).
    public func times(_ rate: Rate, rounding: Rounding) -> Price {
        Price(raw: rounding.mulDiv(raw, rate.raw, fixedScale))
    }
}

extension Quantity {
    /// This quantity times a fraction, e.g. position × liqStep.
    public func times(_ rate: Rate, rounding: Rounding) -> Quantity {
        Quantity(raw: rounding.mulDiv(raw, rate.raw, fixedScale))
    }
}
