/// A fixed-point number with 8 decimal places stored in an `Int64` (value = raw / 10^8).
///
/// Arithmetic between two values of the same type traps on overflow (Swift's `Int64` semantics);
/// products that lose precision go through `FixedMath`, whose names say the rounding direction.
public protocol FixedPoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    var raw: Int64 { get }
    init(raw: Int64)
}

/// 10^8: one whole unit in raw form.
public let fixedScale: Int64 = 100_000_000
let fixedFractionDigits = 8

extension FixedPoint {
    public static var zero: Self { Self(raw: 0) }
    /// The value for a whole number of units; traps when out of range.
    public init(units: Int64) { self.init(raw: units * fixedScale) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.raw < rhs.raw }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(raw: lhs.raw + rhs.raw) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(raw: lhs.raw - rhs.raw) }
    public static prefix func - (value: Self) -> Self { Self(raw: -value.raw) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    public var isZero: Bool { raw == 0 }
    public var isPositive: Bool { raw > 0 }
    public var isNegative: Bool { raw < 0 }
    public var magnitude: Self { Self(raw: raw < 0 ? -raw : raw) }

    /// Canonical decimal text: no exponent, no trailing zeros, `-` for negatives ("-0.001").
    public var description: String { DecimalText.format(raw) }

    /// Parses decimal text exactly; refuses anything that would need rounding.
    public init(parsing text: Substring, allowNegative: Bool = true) throws(DecimalError) {
        self.init(raw: try DecimalText.parse(text, allowNegative: allowNegative))
    }

    public init(parsing text: String, allowNegative: Bool = true) throws(DecimalError) {
        try self.init(parsing: Substring(text), allowNegative: allowNegative)
    }
}

/// An amount of quote currency (e.g. USD). Cash, equity, margin, fees, notional.
public struct Money: FixedPoint {
    public var raw: Int64
    public init(raw: Int64) { self.raw = raw }
}

/// Quote currency per one unit of base asset.
public struct Price: FixedPoint {
    public var raw: Int64
    public init(raw: Int64) { self.raw = raw }
}

/// An amount of base asset. Positions are signed: long > 0, short < 0.
public struct Quantity: FixedPoint {
    public var raw: Int64
    public init(raw: Int64) { self.raw = raw }
}

/// A dimensionless fraction: 0.005 is 500_000 raw.
public struct Rate: FixedPoint {
    public var raw: Int64
    public init(raw: Int64) { self.raw = raw }
    public static var one: Rate { Rate(raw: fixedScale) }
}
