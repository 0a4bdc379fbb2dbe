/// Integer keys and fields are stored big-endian so that LMDB's byte order is numeric order.
enum BigEndian {
    static func withBytes<R>(of value: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: value.bigEndian, body)
    }

    static func bytes(of value: UInt64) -> [UInt8] { withBytes(of: value) { Array($0) } }
    static func bytes(of value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func uint64(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= raw.count, "big-endian u64 out of bounds")
        return UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    static func uint32(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= raw.count, "big-endian u32 out of bounds")
        return UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    static func store(_ value: UInt64, into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 8 <= raw.count, "big-endian u64 out of bounds")
        raw.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
    }
}
