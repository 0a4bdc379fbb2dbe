import SolventCore
import SolventProtocol

/// A batch append's results as stored beside its key (`RequestReceipt`, docs/FORMAT.md
/// "receipts"), so a retry of the key is answered with the same reply, refusals included (they
/// are in no record): u32 count | per event, u8 0 | u64 seq | u32 derived count (an oracle price can derive more than 65,535 records) | one u8 kind
/// per derived record (seq+1, seq+2, …), or u8 1 | code (u8 length) | message (u16 length) |
/// field (u8 length, 0: none).
enum BatchReceipt {
    static func encode(_ results: [BatchResult]) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + results.count * 16)
        writer.writeUInt32(UInt32(results.count))
        for result in results {
            switch result {
            case .appended(let seq, let derived):
                writer.writeUInt8(0)
                writer.writeUInt64(seq.rawValue)
                writer.writeUInt32(UInt32(derived.count))
                for record in derived { writer.writeUInt8(record.kind.rawValue) }
            case .refused(let error):
                writer.writeUInt8(1)
                writer.writeShortString(error.code)
                writer.writeString(error.message)
                writer.writeShortString(error.field ?? "")
            }
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> [BatchResult] {
        let decoded: Result<[BatchResult], CodecError> = bytes.withUnsafeBytes { raw in
            var reader = ByteReader(unsafeBytes: raw)
            return Result { () throws(CodecError) in try results(&reader) }
        }
        return try decoded.get()
    }

    private static func results(_ reader: inout ByteReader) throws(CodecError) -> [BatchResult] {
        let count = Int(try reader.readUInt32())
        var results: [BatchResult] = []
        results.reserveCapacity(min(count, BatchLimits.maxEvents))
        for _ in 0..<count { results.append(try result(&reader)) }
        guard reader.isAtEnd else { throw CodecError("\(reader.remaining) trailing bytes in a batch receipt", offset: reader.offset) }
        return results
    }

    private static func result(_ reader: inout ByteReader) throws(CodecError) -> BatchResult {
        switch try reader.readUInt8() {
        case 0:
            let seq = Seq(try reader.readUInt64())
            let count = Int(try reader.readUInt32())
            var derived: [DerivedRef] = []
            derived.reserveCapacity(min(count, reader.remaining))
            for index in 0..<count {
                let byte = try reader.readUInt8()
                guard let kind = EventKind(rawValue: byte) else { throw CodecError("unknown kind \(byte) in a batch receipt", offset: reader.offset) }
                derived.append(DerivedRef(seq: seq + UInt64(index + 1), kind: kind))
            }
            return .appended(seq: seq, derived: derived)
        case 1:
            let code = try reader.readShortString()
            let message = try reader.readString()
            let field = try reader.readShortString()
            return .refused(InputError(code: code, field: field.isEmpty ? nil : field, message: message))
        case let tag:
            throw CodecError("batch receipt result tag \(tag) is neither 0 nor 1", offset: reader.offset)
        }
    }

    /// `error` as a receipt keeps it, and as the batch's first reply gives it too, so that a
    /// retry's reply is the same: code and field cut to 240 bytes (the receipt's u8 lengths; a
    /// field can be a client's unknown member name), the message to 4,000 (its u16 length, under
    /// `ByteWriter.maxStringBytes`). Cut at Unicode scalars, so a character of many combining
    /// marks cannot carry a cut past the bound.
    static func kept(_ error: InputError) -> InputError {
        InputError(code: prefix(error.code, maxBytes: 240), field: error.field.map { prefix($0, maxBytes: 240) },
                   message: prefix(error.message, maxBytes: 4_000))
    }

    private static func prefix(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var bytes = 0
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            guard bytes <= maxBytes else { break }
            kept.append(scalar)
        }
        return String(kept)
    }
}
