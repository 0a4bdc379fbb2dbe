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

    /// Empties the buffer, keeping its storage for the next use.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    // Big-endian, appended in one go: a byte at a time was 5% of replay with state roots
    // (every leaf writes two or more u64s).
    public mutating func writeUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
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

    /// Appends exactly `count` bytes, written by `body` through a cursor over them: one growth
    /// check for a whole record instead of one (and a `memmove` call) per field, for the write
    /// path's hottest record (a trade, `RecordCodec`).
    mutating func append(count: Int, _ body: (inout ByteCursor) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBytes { raw in
            var cursor = ByteCursor(UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
            body(&cursor)
            precondition(cursor.isAtEnd, "\(cursor.remaining) bytes of \(count) reserved were not written")
        }
    }

    /// Overwrites 4 bytes at `offset` (used to fill in a length once the body is written).
    mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)) }
    }
}

/// Writes big-endian integers and short strings into bytes reserved by `ByteWriter.append(count:_:)`
/// (bounds-checked: a write past them traps, never corrupts).
struct ByteCursor {
    private let bytes: UnsafeMutableRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeMutableRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    @inline(__always)
    mutating func writeUInt8(_ value: UInt8) {
        bytes[offset] = value
        offset += 1
    }

    @inline(__always)
    mutating func writeUInt32(_ value: UInt32) { store(value) }

    @inline(__always)
    mutating func writeUInt64(_ value: UInt64) { store(value) }

    @inline(__always)
    mutating func writeInt64(_ value: Int64) { store(UInt64(bitPattern: value)) }

    /// u8 length + UTF-8, as `ByteWriter.writeShortString`.
    @inline(__always)
    mutating func writeShortString(_ text: String) {
        let count = text.utf8.count
        precondition(count <= 255 && count < remaining, "short string past the reserved bytes")
        writeUInt8(UInt8(count))
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<offset + count]).copyMemory(from: UnsafeRawBufferPointer(utf8))
        }
        if copied == nil {
            for (index, byte) in text.utf8.enumerated() { bytes[offset + index] = byte }
        }
        offset += count
    }

    @inline(__always)
    private mutating func store<T: FixedWidthInteger>(_ value: T) {
        precondition(MemoryLayout<T>.size <= remaining, "integer past the reserved bytes")
        bytes.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
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
///
/// It reads borrowed memory (an array's storage inside `withUnsafeBytes`, or a record in the
/// store's map) and must not outlive it. Reading raw memory instead of an `ArraySlice` lets replay
/// decode records in place, with no copy and no retain/release per field.
public struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    /// A reader of `bytes`, valid only while `bytes` is.
    public init(unsafeBytes bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
    }

    public var remaining: Int { bytes.count - offset }

    /// Moves back to an earlier offset (to re-read a field for a precise error).
    mutating func rewind(to earlier: Int) {
        precondition(earlier >= 0 && earlier <= offset, "rewind forward")
        offset = earlier
    }
    public var isAtEnd: Bool { remaining == 0 }

    /// Consumes `count` bytes and returns where they start.
    @inline(__always)
    private mutating func take(_ count: Int, _ what: StaticString) throws(CodecError) -> Int {
        guard count >= 0, remaining >= count else {
            throw CodecError("truncated: \(what) needs \(count) bytes, \(remaining) left", offset: offset)
        }
        let start = offset
        offset += count
        return start
    }

    @inline(__always)
    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: StaticString) throws(CodecError) -> T {
        let start = try take(MemoryLayout<T>.size, what)
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: T.self))
    }

    public mutating func readUInt8() throws(CodecError) -> UInt8 { bytes[try take(1, "u8")] }
    public mutating func readUInt16() throws(CodecError) -> UInt16 { try load(UInt16.self, "u16") }
    public mutating func readUInt32() throws(CodecError) -> UInt32 { try load(UInt32.self, "u32") }
    public mutating func readUInt64() throws(CodecError) -> UInt64 { try load(UInt64.self, "u64") }
    public mutating func readInt64() throws(CodecError) -> Int64 { Int64(bitPattern: try readUInt64()) }

    /// The next `count` bytes, copied out.
    public mutating func readBytes(_ count: Int) throws(CodecError) -> [UInt8] { Array(try borrowBytes(count)) }

    /// The next `count` bytes, borrowed like the reader's own memory.
    public mutating func borrowBytes(_ count: Int) throws(CodecError) -> UnsafeRawBufferPointer {
        let start = try take(count, "bytes")
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + count])
    }

    /// u8 length + bytes, borrowed (identifiers are validated straight from these).
    mutating func borrowShortBytes() throws(CodecError) -> UnsafeRawBufferPointer {
        let length = Int(try readUInt8())
        let start = try take(length, "string")
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + length])
    }

    public mutating func readShortString() throws(CodecError) -> String {
        let length = Int(try readUInt8())
        let start = offset
        return try utf8(take(length, "string"), count: length, at: start)
    }

    public mutating func readString() throws(CodecError) -> String {
        let length = Int(try readUInt16())
        guard length <= ByteWriter.maxStringBytes else {
            throw CodecError("string length \(length) over \(ByteWriter.maxStringBytes)", offset: offset - 2)
        }
        let start = offset
        return try utf8(take(length, "string"), count: length, at: start)
    }

    private func utf8(_ from: Int, count: Int, at start: Int) throws(CodecError) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[from..<from + count]).assumingMemoryBound(to: UInt8.self)
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw CodecError("invalid UTF-8", offset: start)
        }
        return text
    }
}
