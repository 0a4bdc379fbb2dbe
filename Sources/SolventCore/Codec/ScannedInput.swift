/// An input event read straight from scanned bytes (`JSONScan`), the fast path of the socket's
/// NDJSON appends. It accepts exactly what `RecordJSON.input(_:requireTime:)` accepts for the
/// same members and builds the same event; on any doubt — a missing, null, extra or malformed
/// field, a list, a value a field refuses, a failed validation — it returns nil, so the caller
/// runs the tree path and the client gets that path's error, word for word.
extension RecordJSON {
    /// The event in `members` (an object's members scanned from `bytes`), or nil: see above.
    public static func input(scanned members: [ScannedMember], in bytes: UnsafeBufferPointer<UInt8>)
        -> (time: TimeMs?, event: Event)? {
        guard let kindMember = JSONScan.member("kind", in: members, bytes), kindMember.kind == .string,
              let kind = inputKind(bytes[kindMember.value]) else { return nil }
        var envelope = 1
        var time: TimeMs?
        if let timeMember = JSONScan.member("time", in: members, bytes) {
            envelope += 1
            switch timeMember.kind {
            case .null: time = nil
            case .number:
                guard let parsed = TimeMs(String(decoding: bytes[timeMember.value], as: UTF8.self)), parsed >= 0 else { return nil }
                time = parsed
            default: return nil
            }
        }
        var coder = ScannedFieldReader(members: members, bytes: bytes)
        let event: Event
        // Built in place (`Event.decode`; a trade field by field), not copied out of a blank
        // event and written back as `fields(_:)` does.
        do { event = kind == .trade ? .trade(try coder.trade()) : try Event.decode(kind, &coder) } catch { return nil }
        // Every member must be the envelope's or a field's (else `unknown_field` on the tree path).
        guard coder.claimed + envelope == members.count else { return nil }
        do { try event.validate() } catch { return nil }
        return (time, event)
    }
}

extension RecordJSON {
    /// Input kinds and their names' bytes: a kind is found by comparing a few bytes, not by
    /// hashing a new String.
    private static let inputKindNames: [(kind: EventKind, name: [UInt8])] =
        EventKind.allCases.filter(\.isInput).map { ($0, Array($0.name.utf8)) }

    /// The input kind named `name`; nil for a derived or unknown kind (the tree path says which).
    static func inputKind(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> EventKind? {
        inputKindNames.first { $0.name.count == name.count && $0.name.elementsEqual(name) }?.kind
    }
}

/// Reads a payload's fields from scanned members; throws (a bare marker, never shown) wherever
/// `JSONFieldReader` would throw or could differ, so the caller falls back.
struct ScannedFieldReader: FieldCoder {
    struct Fallback: Error {}

    let members: [ScannedMember]
    let bytes: UnsafeBufferPointer<UInt8>
    /// Members a field looked up (names are unique, so each counts once).
    private(set) var claimed = 0

    init(members: [ScannedMember], bytes: UnsafeBufferPointer<UInt8>) {
        self.members = members
        self.bytes = bytes
    }

    private mutating func value(_ key: String) -> JSONValue? {
        guard let member = JSONScan.member(key, in: members, bytes) else { return nil }
        claimed += 1
        return JSONScan.value(member, bytes)
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        value = try required(key)
    }

    /// A required field's value (`field(_:_:)`).
    private mutating func required<V: FieldValue>(_ key: String) throws -> V {
        if Identifier.isWrapped(by: V.self), let id = try identifier(key) {
            // Accounts and markets: checked on the bytes, no String made only to be checked.
            return id.wrapped(as: V.self)
        }
        if let fixed = fixedPoint(key, as: V.self) { return fixed }
        guard let json = self.value(key), json != .null else { throw Fallback() }
        do { return try V.fromJSON(json) } catch { throw Fallback() }
    }

    /// A trade read as `Trade.fields` reads it through this coder (the same fields, each by
    /// `required` or `optional`), into the member-wise initialiser: through `Event.fields` the
    /// payload was copied out of a blank event and written back (TradeCodec.swift, perf of one
    /// pipelining NDJSON client).
    mutating func trade() throws -> Trade {
        Trade(market: try required("market"), buyer: try required("buyer"), seller: try required("seller"),
              qty: try required("qty"), price: try required("price"), buyerFee: try optional("buyerFee"),
              sellerFee: try optional("sellerFee"), ref: try optional("ref"))
    }

    /// A required identifier read straight from its bytes; nil leaves it to the general path.
    private mutating func identifier(_ key: String) throws -> Identifier? {
        guard let member = JSONScan.member(key, in: members, bytes), member.kind == .string else { return nil }
        guard let id = Identifier(validBytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[member.value]))) else { throw Fallback() }
        claimed += 1
        return id
    }

    /// A fixed-point field (a decimal string or JSON number) read straight from its bytes, no
    /// String and no `JSONValue` made (they were most of the cost of a trade's qty and price);
    /// nil leaves anything else, and any text `DecimalText.parse` would refuse, to the general path.
    private mutating func fixedPoint<V: FieldValue>(_ key: String, as type: V.Type) -> V? {
        guard Self.isFixedPoint(V.self),
              let member = JSONScan.member(key, in: members, bytes), member.kind == .string || member.kind == .number,
              let raw = DecimalText.rawValue(exactly: bytes[member.value]) else { return nil }
        claimed += 1
        return Self.fixedPoint(raw: raw, as: V.self)
    }

    // Metatype comparisons, not `as? any FixedPoint.Type`: that cast went through the runtime's
    // conformance lookup on every field (5% of the socket's parsing).
    private static func isFixedPoint<V>(_ type: V.Type) -> Bool {
        type == Money.self || type == Price.self || type == Quantity.self || type == Rate.self
    }

    /// `V` is one of the four (`isFixedPoint`), each a lone Int64: the bit cast is the identity.
    private static func fixedPoint<V>(raw: Int64, as type: V.Type) -> V {
        if type == Money.self { return unsafeBitCast(Money(raw: raw), to: V.self) }
        if type == Price.self { return unsafeBitCast(Price(raw: raw), to: V.self) }
        if type == Quantity.self { return unsafeBitCast(Quantity(raw: raw), to: V.self) }
        precondition(type == Rate.self, "not a fixed-point type")
        return unsafeBitCast(Rate(raw: raw), to: V.self)
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        value = try optional(key)
    }

    /// An optional field's value (`field(_:_:)`): nil when absent or null.
    private mutating func optional<V: FieldValue>(_ key: String) throws -> V? {
        if let fixed = fixedPoint(key, as: V.self) { return fixed }
        guard let member = JSONScan.member(key, in: members, bytes) else { return nil }
        claimed += 1
        guard let json = JSONScan.value(member, bytes) else { throw Fallback() }
        if json == .null { return nil }
        do { return try V.fromJSON(json) } catch { throw Fallback() }
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        throw Fallback()  // Lists (a market's tiers) are rare: the tree path reads them.
    }

    mutating func extensions(present: Bool) throws -> Bool { true }
}
