import SolventCore

/// A record as stored: its canonical bytes and the prevHash chained after them, copied out.
public struct StoredRecord: Equatable, Sendable {
    public let seq: Seq
    /// bytes ‖ prevHash, exactly as in `events`; one allocation per record.
    let value: [UInt8]

    init(seq: Seq, value: [UInt8]) {
        precondition(value.count >= Hash32.byteCount, "a stored record ends with its prevHash")
        self.seq = seq
        self.value = value
    }

    /// The canonical record encoding without prevHash (what `RecordCodec.decode` takes).
    public var bytes: ArraySlice<UInt8> { value[..<(value.count - Hash32.byteCount)] }
    /// The chain hash of the previous record (32 zero bytes for seq 1).
    public var prevHash: ArraySlice<UInt8> { value[(value.count - Hash32.byteCount)...] }
}

/// A record borrowed from the map without copying, for replays that must not allocate per
/// record. Valid only inside the callback that received it.
public struct BorrowedRecord {
    public let seq: Seq
    /// The canonical record encoding without prevHash.
    public let bytes: UnsafeRawBufferPointer
    /// 32 bytes: the chain hash of the previous record.
    public let prevHash: UnsafeRawBufferPointer

    init(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) {
        seq = try EventLog.decodeSeq(key)
        guard value.count >= Hash32.byteCount else {
            throw .corrupt(reason: "record \(seq) is \(value.count) bytes, shorter than its prevHash")
        }
        let split = value.count - Hash32.byteCount
        bytes = UnsafeRawBufferPointer(rebasing: value[..<split])
        prevHash = UnsafeRawBufferPointer(rebasing: value[split...])
    }

    /// Copies the record out of the map.
    public func copied() -> StoredRecord {
        let value = [UInt8](unsafeUninitializedCapacity: bytes.count + prevHash.count) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            UnsafeMutableRawBufferPointer(rebasing: raw[..<bytes.count]).copyMemory(from: bytes)
            UnsafeMutableRawBufferPointer(rebasing: raw[bytes.count...]).copyMemory(from: prevHash)
            count = bytes.count + prevHash.count
        }
        return StoredRecord(seq: seq, value: value)
    }
}
