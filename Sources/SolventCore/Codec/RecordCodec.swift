/// The canonical binary encoding of a record, version 1 (docs/FORMAT.md). The same bytes are
/// stored in LMDB, hashed into the chain, and sent by the binary wire protocol.
///
/// Layout: u8 version | u64 seq | i64 time | u8 kind | u64 cause (0 = none) | u32 payload length |
/// payload. All integers big-endian. The store appends the 32-byte prevHash after these bytes.
public enum RecordCodec {
    public static let formatVersion: UInt8 = 1
    /// Bytes before the payload.
    public static let headerSize = 1 + 8 + 8 + 1 + 8 + 4
    /// Largest payload accepted by the decoder (a bound for untrusted input).
    public static let maxPayloadBytes = 1 << 20

    public static func encode(_ record: Record) -> [UInt8] {
        var writer = ByteWriter(capacity: 96)
        encode(record, into: &writer)
        return writer.bytes
    }

    /// Appends the record's encoding to `writer`: many records into one buffer, as the daemon's
    /// durable stage encodes a group (one array per record was a malloc and a free each).
    public static func encode(_ record: borrowing Record, into writer: inout ByteWriter) {
        // Seqs start at 1 and cause 0 means "none": both must hold for decode(encode(r)) == r.
        precondition(record.seq > 0, "seq 0 is not a log position")
        precondition(record.cause != 0, "cause 0 is reserved for 'no cause'")
        if case .trade(let trade) = record.event {
            return encodeTrade(trade, seq: record.seq, time: record.time, cause: record.cause, into: &writer)
        }
        let start = writer.bytes.count
        // The caller's buffer moved into the coder and back (swaps): a copy of it would be
        // copied whole by the first append.
        var coder = BinaryFieldWriter(writer: ByteWriter(capacity: 0))
        swap(&coder.writer, &writer)
        coder.writer.writeUInt8(formatVersion)
        coder.writer.writeUInt64(record.seq.rawValue)
        coder.writer.writeInt64(record.time.rawValue)
        coder.writer.writeUInt8(record.kind.rawValue)
        coder.writer.writeUInt64(record.cause?.rawValue ?? 0)
        coder.writer.writeUInt32(0)
        record.event.writeFields(to: &coder)
        let payloadLength = coder.writer.bytes.count - start - headerSize
        coder.writer.patchUInt32(UInt32(payloadLength), at: start + headerSize - 4)
        swap(&coder.writer, &writer)
    }

    /// Decodes exactly one record occupying all of `bytes`; any deviation is a `CodecError`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(CodecError) -> Record {
        // `withUnsafeBytes` rethrows untyped errors; a Result keeps this one typed.
        try bytes.withUnsafeBytes { raw in Result { () throws(CodecError) in try decode(raw) } }.get()
    }

    /// Decodes from borrowed memory (e.g. a record in the store's map, without copying it out).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> Record {
        let header = try decodeHeader(bytes)
        let event: Event
        var coder = BinaryFieldReader(reader: header.payload)
        // The payload reader continues the header's reader, so its offsets are already absolute.
        do { event = try Event.readFields(header.kind, from: &coder) } catch let error as CodecError {
            throw CodecError("\(header.kind.name): \(error.message)", offset: error.offset)
        } catch {
            throw CodecError("\(header.kind.name): \(error)", offset: headerSize)
        }
        guard coder.reader.isAtEnd else {
            throw CodecError("\(coder.reader.remaining) trailing bytes after \(header.kind.name) payload", offset: coder.reader.offset)
        }
        return Record(seq: header.seq, time: header.time, cause: header.cause, event: event)
    }

    /// A record's header fields, and a reader positioned at its payload (whose length is checked).
    struct Header {
        var seq: Seq
        var time: TimeMs
        var kind: EventKind
        var cause: Seq?
        var payload: ByteReader
    }

    /// Reads and checks the header of the record occupying all of `bytes`.
    @inline(__always)
    static func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> Header {
        var reader = ByteReader(unsafeBytes: bytes)
        let version = try reader.readUInt8()
        guard version == formatVersion else {
            throw CodecError("format version \(version) is not \(formatVersion)", offset: 0)
        }
        let seq = Seq(try reader.readUInt64())
        guard seq > 0 else { throw CodecError("seq 0", offset: 1) }
        let time = TimeMs(try reader.readInt64())
        let kindByte = try reader.readUInt8()
        guard let kind = EventKind(rawValue: kindByte) else { throw CodecError("unknown kind \(kindByte)", offset: 17) }
        let causeRaw = try reader.readUInt64()
        let length = Int(try reader.readUInt32())
        guard length <= maxPayloadBytes, length == reader.remaining else {
            throw CodecError("payload length \(length) but \(reader.remaining) bytes follow", offset: headerSize - 4)
        }
        return Header(seq: seq, time: time, kind: kind, cause: causeRaw == 0 ? nil : Seq(causeRaw), payload: reader)
    }

    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> Record { try decode(bytes[...]) }
}
