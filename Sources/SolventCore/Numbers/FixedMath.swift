/// Products and quotients of fixed-point numbers through `Int128`, rounded in a named direction.
///
/// "Down" is towards negative infinity (floor) and "up" towards positive infinity (ceiling), so
/// an amount rounded down is never more than the exact value, whatever its sign (SPEC §2: what an
/// account receives or may count rounds down, what it owes or must hold rounds up).
public enum FixedMath {
    /// `a * b / divisor`, floored. Traps when the result does not fit in `Int64`.
    @inlinable
    public static func mulDivRoundingDown(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        precondition(divisor > 0, "divisor must be positive")
        let product = Int128(a) * Int128(b)
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: Int128(divisor))
        return Int64(remainder < 0 ? quotient - 1 : quotient)
    }

    /// `a * b / divisor`, ceiled. Traps when the result does not fit in `Int64`.
    @inlinable
    public static func mulDivRoundingUp(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        precondition(divisor > 0, "divisor must be positive")
        let product = Int128(a) * Int128(b)
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: Int128(divisor))
        return Int64(remainder > 0 ? quotient + 1 : quotient)
    }
}

/// Which way a lossy product rounds; see `FixedMath`.
public enum Rounding: Sendable {
    case down
    case up

    @inlinable
    func mulDiv(_ a: Int64, _ b: Int64, _ divisor: Int64) -> Int64 {
        switch self {
        case .down: FixedMath.mulDivRoundingDown(a, b, divisor)
        case .up: FixedMath.mulDivRoundingUp(a, b, divisor)
        }
    }
}

extension Quantity {
    /// Signed value of a position at a price, `q * p / 10^8` (SPEC §3 `value`).
    public func value(at price: Price, rounding: Rounding) -> Money {
        Money(raw: rounding.mulDiv(raw, price.raw, fixedScale))
    }

    /// Unsigned notional `|q| * p / 10^8` (SPEC §2 `notional`).
    public func notional(at price: Price, rounding: Rounding) -> Money {
        magnitude.value(at: price, rounding: rounding)
    }
}

extension Money {
    /// This amount times a fraction, e.g. notional × mmr.
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
