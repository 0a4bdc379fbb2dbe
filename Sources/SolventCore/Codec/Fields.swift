/// An event payload: a struct whose fields are listed once, in `fields(_:)`, and read or written
/// by every coder (canonical binary, JSON) through that one list, so the encodings cannot drift.
public protocol Payload: Sendable, Equatable {
    /// An instance with placeholder fields, filled in by a decoding coder.
    init()
    /// Visits every field in canonical order. Decoding coders assign, encoding coders read.
    mutating func fields<C: FieldCoder>(_ coder: inout C) throws
}

/// One direction of one encoding. A payload's `fields(_:)` calls these once per field.
public protocol FieldCoder {
    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws
    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws
    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws
    /// Whether a payload's trailing extension block (fields added after a format was in use, such
    /// as `params.set`'s fund margins of rules 2) is to be visited: a writer visits it when any
    /// of its fields is `present`; a binary reader when bytes remain (records) or when told
    /// (snapshots); JSON readers always. Old payloads without the block keep their exact bytes.
    mutating func extensions(present: Bool) throws -> Bool
    /// After a visited extension block: a binary reader refuses a block in which no field was
    /// `present` (its canonical form is no block at all); other coders accept.
    mutating func endExtensions(present: Bool) throws
}

extension FieldCoder {
    public mutating func endExtensions(present: Bool) throws {}
}

/// A leaf value with a canonical binary form and a JSON form.
public protocol FieldValue: Sendable, Equatable {
    func encode(into writer: inout ByteWriter)
    static func decode(from reader: inout ByteReader) throws(CodecError) -> Self
    var json: JSONValue { get }
    /// Converts from JSON; the error text says what was wrong, the caller adds the field name.
    static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Self
}

/// What was wrong with one field's JSON value; becomes an `InputError` naming the field.
public struct FieldProblem: Error, Sendable {
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The biggest list a payload may carry (tiers, positions): a bound for decoders of untrusted bytes.
public let maxListCount = 1024
