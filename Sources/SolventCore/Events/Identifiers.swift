/// The seq of a record in the log: 1, 2, 3, … with no gaps. It steps by records: `seq + 1` is
/// the next, `first + UInt64(count)` the one `count` on. Two seqs do not add, and a seq is
/// never a time or a count.
public typealias Seq = Tagged<SeqTag, UInt64>
public enum SeqTag: SteppingTag {}

/// Seqs have no gaps, so a range of them is the records it spans: `for seq in first...last`.
extension Tagged: Strideable where Tag == SeqTag, RawValue == UInt64 {
    @inlinable
    public func distance(to other: Self) -> Int { rawValue.distance(to: other.rawValue) }
    @inlinable
    public func advanced(by n: Int) -> Self { Self(rawValue.advanced(by: n)) }
}

/// Unix time in milliseconds: an instant. Spans of time (a grace period, an auction's tau, the
/// time since an auction started) are plain `Int64` milliseconds, named `…Ms`.
public typealias TimeMs = Tagged<TimeTag, Int64>
public enum TimeTag: SteppingTag {}

/// An instant moves by a span (`time + graceMs`, a `SteppingTag`); two instants differ by one
/// (`now - start`). Two instants do not add, and an instant is never a seq.
extension TimeMs {
    @inlinable
    public static func - (time: Self, earlier: Self) -> Int64 { time.rawValue - earlier.rawValue }
}

/// A name made of 1–64 bytes of `[A-Za-z0-9_.:-]` (SPEC §3): a ref, and the text of an
/// `AccountID` or a `MarketID`.
public struct Identifier: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String

    public static let maxLengthBytes = 64

    /// Validates `text`; the error says which rule it broke.
    public init(_ text: String) throws(IdentifierError) {
        guard !text.utf8.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maxLengthBytes else { throw .tooLong(text.utf8.count) }
        for byte in text.utf8 where !Self.isAllowed(byte) {
            throw .forbiddenByte(byte)
        }
        self.text = text
    }

    /// From raw bytes, or nil when they break a rule (then `init(_:)` says which). Bytes that
    /// pass are ASCII, hence valid UTF-8.
    init?(validBytes bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, bytes.count <= Self.maxLengthBytes else { return nil }
        for byte in bytes where !Self.isAllowed(byte) { return nil }
        text = String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// For literals known to be valid (reserved names, tests); traps otherwise.
    public init(valid text: String) {
        do { try self.init(text) } catch { preconditionFailure("invalid identifier \(text): \(error)") }
    }

    public var description: String { text }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.text.utf8.lexicographicallyPrecedes(rhs.text.utf8) }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

public enum IdentifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case forbiddenByte(UInt8)

    public var description: String {
        switch self {
        case .empty: "must not be empty"
        case .tooLong(let count): "\(count) bytes; at most 64 are allowed"
        case .forbiddenByte(let byte): "byte 0x\(String(byte, radix: 16)) is not allowed; use [A-Za-z0-9_.:-]"
        }
    }
}

/// An account's id (SPEC §3): an `Identifier` that cannot be passed as a market's or a ref.
public typealias AccountID = Tagged<AccountTag, Identifier>
public enum AccountTag {}

/// A market's id (SPEC §3): an `Identifier` that cannot be passed as an account's or a ref.
public typealias MarketID = Tagged<MarketTag, Identifier>
public enum MarketTag {}

/// Account and market ids are made and read as the text of their `Identifier`.
extension Tagged where RawValue == Identifier {
    /// Validates `text`; the error says which rule it broke.
    @inlinable
    public init(_ text: String) throws(IdentifierError) { self.init(try Identifier(text)) }

    /// For literals known to be valid (reserved names, tests); traps otherwise.
    @inlinable
    public init(valid text: String) { self.init(Identifier(valid: text)) }

    @inlinable
    public var text: String { rawValue.text }

    /// Placeholder for a field not yet filled in by a decoder.
    static var unset: Self { Self(.unset) }
}

extension AccountID {
    /// The insurance fund's account (SPEC §3).
    public static let insurance = AccountID(valid: "insurance")
    /// The trading-fee sink (SPEC §3).
    public static let fees = AccountID(valid: "fees")
}

extension Identifier {
    /// Placeholder for a field not yet filled in by a decoder.
    static let unset = Identifier(valid: "_")

    /// Whether `V` is `AccountID` or `MarketID`: the required ids of a payload, which the
    /// decoders' fast paths read straight from bytes as an `Identifier` and then wrap. Metatype
    /// comparisons, folded away once specialised (no runtime conformance lookup).
    static func isWrapped<V>(by type: V.Type) -> Bool { type == AccountID.self || type == MarketID.self }

    /// This id as the `V` of `isWrapped(by:)`: a no-op cast once specialised.
    func wrapped<V>(as type: V.Type) -> V {
        if type == AccountID.self { return AccountID(self) as! V }
        precondition(type == MarketID.self, "not an account or market id")
        return MarketID(self) as! V
    }
}
