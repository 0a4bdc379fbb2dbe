// Leaf types of payloads: how each is written in the canonical binary encoding and in JSON.
// docs/FORMAT.md describes the same rules for readers in other languages.

extension Int64: FieldValue {
    public func encode(into writer: inout ByteWriter) { writer.writeInt64(self) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Int64 { try reader.readInt64() }
    public var json: JSONValue { .number(String(self)) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Int64 {
        guard case .number(let text) = value, let parsed = Int64(text) else {
            throw FieldProblem(code: "bad_integer", message: "must be an integer")
        }
        return parsed
    }
}

extension UInt64: FieldValue {
    public func encode(into writer: inout ByteWriter) { writer.writeUInt64(self) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> UInt64 { try reader.readUInt64() }
    public var json: JSONValue { .number(String(self)) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> UInt64 {
        guard case .number(let text) = value, let parsed = UInt64(text) else {
            throw FieldProblem(code: "bad_integer", message: "must be a non-negative integer")
        }
        return parsed
    }
}

extension Bool: FieldValue {
    public func encode(into writer: inout ByteWriter) { writer.writeUInt8(self ? 1 : 0) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Bool {
        switch try reader.readUInt8() {
        case 0: false
        case 1: true
        case let other: throw CodecError("bool byte \(other) is neither 0 nor 1", offset: reader.offset - 1)
        }
    }
    public var json: JSONValue { .bool(self) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Bool {
        guard case .bool(let flag) = value else { throw FieldProblem(code: "bad_bool", message: "must be true or false") }
        return flag
    }
}

extension String: FieldValue {
    public func encode(into writer: inout ByteWriter) { writer.writeString(self) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> String { try reader.readString() }
    public var json: JSONValue { .string(self) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> String {
        guard case .string(let text) = value else { throw FieldProblem(code: "bad_string", message: "must be a string") }
        guard text.utf8.count <= ByteWriter.maxStringBytes else {
            throw FieldProblem(code: "bad_string", message: "longer than \(ByteWriter.maxStringBytes) bytes")
        }
        return text
    }
}

extension Identifier: FieldValue {
    public func encode(into writer: inout ByteWriter) { writer.writeShortString(text) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Identifier {
        let start = reader.offset
        // Fast path: check the identifier rules on the raw bytes once (they imply valid UTF-8),
        // instead of validating UTF-8 and then the rules again on the String (~2% of replay).
        if let id = Identifier(validBytes: try reader.borrowShortBytes()) { return id }
        // Slow path, only to report the same error as always (UTF-8 first, then the rule).
        reader.rewind(to: start)
        let text = try reader.readShortString()
        do { return try Identifier(text) } catch {
            throw CodecError("identifier \(error)", offset: start)
        }
    }
    public var json: JSONValue { .string(text) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Identifier {
        guard case .string(let text) = value else {
            throw FieldProblem(code: "bad_id", message: "must be a string of 1-64 bytes of [A-Za-z0-9_.:-]")
        }
        do { return try Identifier(text) } catch {
            throw FieldProblem(code: "bad_id", message: error.description)
        }
    }
}

/// Seqs, times and account and market ids: exactly their raw value's bytes and JSON.
extension Tagged: FieldValue where RawValue: FieldValue {
    @inlinable
    public func encode(into writer: inout ByteWriter) { rawValue.encode(into: &writer) }
    @inlinable
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Self { Self(try RawValue.decode(from: &reader)) }
    @inlinable
    public var json: JSONValue { rawValue.json }
    @inlinable
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Self { Self(try RawValue.fromJSON(value)) }
}

/// Fixed-point numbers: 8 bytes big-endian two's complement raw; JSON decimal strings.
extension FixedPoint {
    public func encode(into writer: inout ByteWriter) { writer.writeInt64(raw) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Self { Self(raw: try reader.readInt64()) }
    public var json: JSONValue { .string(description) }
    /// Accepts a decimal string, or a JSON number whose text is an exact decimal (never via Double).
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Self {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = number
        default: throw FieldProblem(code: Self.problemCode, message: "must be a decimal string such as \"12.5\"")
        }
        do { return try Self(parsing: text) } catch {
            throw FieldProblem(code: Self.problemCode, message: error.description)
        }
    }
    static var problemCode: String {
        switch Self.self {
        case is Money.Type: "bad_amount"
        case is Price.Type: "bad_price"
        case is Quantity.Type: "bad_quantity"
        default: "bad_rate"
        }
    }
}

extension Money: FieldValue {}
extension Price: FieldValue {}
extension Quantity: FieldValue {}
extension Rate: FieldValue {}

/// Closed sets of names (curve, trigger): written as their raw string.
extension FieldValue where Self: RawRepresentable, Self.RawValue == String, Self: CaseIterable {
    public func encode(into writer: inout ByteWriter) { writer.writeShortString(rawValue) }
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Self {
        let start = reader.offset
        let text = try reader.readShortString()
        guard let value = Self(rawValue: text) else { throw CodecError("unknown name \"\(text)\"", offset: start) }
        return value
    }
    public var json: JSONValue { .string(rawValue) }
    public static func fromJSON(_ value: JSONValue) throws(FieldProblem) -> Self {
        let names = Self.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let text) = value, let parsed = Self(rawValue: text) else {
            throw FieldProblem(code: "bad_value", message: "must be one of: \(names)")
        }
        return parsed
    }
}
