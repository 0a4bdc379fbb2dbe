/// Appends big-endian integers and length-prefixed strings to a byte buffer.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    /// Longest `String` field in bytes (u16 length prefix).
    public static let maxStringBytes = 4096

    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func writeInt64(_ value: Int64) { writeUInt64(UInt64(bitPattern: value)) }

    public mutating func writeBytes(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    /// u8 length + UTF-8, for identifiers and names (≤ 255 bytes).
    public mutating func writeShortString(_ text: String) {
        precondition(text.utf8.count <= 255, "short string longer than 255 bytes")
        writeUInt8(UInt8(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// u16 length + UTF-8 (≤ `maxStringBytes`).
    public mutating func writeString(_ text: String) {
        precondition(text.utf8.count <= Self.maxStringBytes, "string longer than \(Self.maxStringBytes) bytes")
        writeUInt16(UInt16(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// Overwrites 4 bytes at `offset` (used to fill in a length once the body is written).
    mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)) }
    }
}

/// Why bytes could not be decoded: where, and what was expected. Decoders throw this, never trap.
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
    public var description: String { "\(message) at byte \(offset)" }
}

/// Reads what `ByteWriter` wrote, with a bounds check on every read.
public struct ByteReader {
    let bytes: ArraySlice<UInt8>
    public private(set) var offset: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = 0
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { remaining == 0 }

    private mutating func take(_ count: Int, _ what: String) throws(CodecError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else {
            throw CodecError("truncated: \(what) needs \(count) bytes, \(remaining) left", offset: offset)
        }
        let start = bytes.startIndex + offset
        offset += count
        return bytes[start..<start + count]
    }

    public mutating func readUInt8() throws(CodecError) -> UInt8 { try take(1, "u8").first! }

    public mutating func readUInt16() throws(CodecError) -> UInt16 {
        try take(2, "u16").reduce(0) { $0 << 8 | UInt16($1) }
    }

    public mutating func readUInt32() throws(CodecError) -> UInt32 {
        try take(4, "u32").reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws(CodecError) -> UInt64 {
        try take(8, "u64").reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func readInt64() throws(CodecError) -> Int64 { Int64(bitPattern: try readUInt64()) }

    public mutating func readBytes(_ count: Int) throws(CodecError) -> ArraySlice<UInt8> { try take(count, "bytes") }

    public mutating func readShortString() throws(CodecError) -> String {
        let length = Int(try readUInt8())
        let start = offset
        return try utf8(take(length, "string"), at: start)
    }

    public mutating func readString() throws(CodecError) -> String {
        let length = Int(try readUInt16())
        guard length <= ByteWriter.maxStringBytes else {
            throw CodecError("string length \(length) over \(ByteWriter.maxStringBytes)", offset: offset - 2)
        }
        let start = offset
        return try utf8(take(length, "string"), at: start)
    }

    private func utf8(_ slice: ArraySlice<UInt8>, at start: Int) throws(CodecError) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw CodecError("invalid UTF-8", offset: start)
        }
        return text
    }
}
