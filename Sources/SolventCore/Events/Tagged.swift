/// A `RawValue` given a type of its own by the phantom `Tag`, so that values alike in storage but
/// not in meaning cannot be mixed up: a `Seq` is not a `TimeMs`, an `AccountID` is not a
/// `MarketID` (STYLE §3). Modelled on pointfreeco/swift-tagged, written here because the core
/// depends on nothing but its C hints.
///
/// Why one generic type rather than a struct per id: the conformances below are written once
/// for all four, conditionally on what the raw value offers; each tag's own operations (a seq's
/// range, a time's durations, an id's text) are constrained extensions in `Identifiers.swift`.
///
/// Zero cost: one stored property, so the layout is the raw value's, and every member is
/// `@inlinable`, so other modules (the store's and the server's replay loops) specialise and
/// inline them instead of calling through generic entry points.
///
/// It offers only what the raw value's meaning allows all tags: order, equality, hashing and
/// text exactly as the raw value's; no arithmetic but steps by a plain integer, for the tags
/// that take them (`SteppingTag`); and no implicit conversion (`init(_:)` and `rawValue` are
/// the only ways in and out).
@frozen
public struct Tagged<Tag, RawValue> {
    public var rawValue: RawValue

    @inlinable
    public init(_ rawValue: RawValue) { self.rawValue = rawValue }
}

extension Tagged: Sendable where RawValue: Sendable {}

extension Tagged: Equatable where RawValue: Equatable {
    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }
}

/// Hashes exactly as the raw value does.
extension Tagged: Hashable where RawValue: Hashable {
    @inlinable
    public func hash(into hasher: inout Hasher) { rawValue.hash(into: &hasher) }
}

/// Sorts exactly as the raw value does (ids by their UTF-8 bytes, `Identifier.<`).
extension Tagged: Comparable where RawValue: Comparable {
    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Prints exactly as the raw value does: text, JSON and golden files are the same bytes.
extension Tagged: CustomStringConvertible where RawValue: CustomStringConvertible {
    @inlinable
    public var description: String { rawValue.description }
}

/// Parses what `description` prints (a seq or a time in a JSON reply, an argument).
extension Tagged: LosslessStringConvertible where RawValue: LosslessStringConvertible {
    @inlinable
    public init?(_ description: String) {
        guard let rawValue = RawValue(description) else { return nil }
        self.init(rawValue)
    }
}

/// Integer literals for seqs and times (defaults, tests): `var seq: Seq = 0`.
extension Tagged: ExpressibleByIntegerLiteral where RawValue: ExpressibleByIntegerLiteral {
    @inlinable
    public init(integerLiteral value: RawValue.IntegerLiteralType) { self.init(RawValue(integerLiteral: value)) }
}

/// A tag whose values move by steps of their raw integer: a seq by records, a time by
/// milliseconds (`seq + 1`, `time - graceMs`). The step is a plain integer, never a tagged value.
public protocol SteppingTag {}

extension Tagged where Tag: SteppingTag, RawValue: FixedWidthInteger {
    @inlinable
    public static func + (value: Self, step: RawValue) -> Self { Self(value.rawValue + step) }
    @inlinable
    public static func - (value: Self, step: RawValue) -> Self { Self(value.rawValue - step) }
    @inlinable
    public static func += (value: inout Self, step: RawValue) { value = value + step }
}
