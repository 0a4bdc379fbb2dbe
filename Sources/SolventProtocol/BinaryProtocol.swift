import NIOCore
import SolventCore

/// The binary framed mode of SPEC §8 for high-rate feeders (docs/PROTOCOL.md "Binary frames").
///
/// A connection enters it by sending `magic` as its first four bytes (a NUL byte can never begin
/// a JSON request). Then every request and every reply is a frame: u32 big-endian body length,
/// then the body. Request body: u8 op (1 = append) | u8 key length + key (UTF-8, 1–255 bytes) |
/// u8 time tag (0 = stamp the receipt time, 1 = followed by i64 Unix ms) | u8 kind | the kind's
/// payload fields in the canonical encoding of docs/FORMAT.md, to the end of the frame.
/// Reply body: u8 0 | u64 seq | u32 derived count (the derived records are seq+1 … seq+count),
/// or u8 1 | u8 length + code | u16 length + message | u8 length + field (0: none).
public enum BinaryProtocol {
    /// "\0SV" and protocol version 1.
    public static let magic: [UInt8] = [0x00, 0x53, 0x56, 0x01]
    /// The largest frame body accepted (a batch's bound, `BatchLimits.maxBytes`); a longer length
    /// prefix is refused and the connection closed (framing cannot be trusted after it).
    public static let maxFrameBytes = BatchLimits.maxBytes
    public static let appendOp: UInt8 = 1

    /// Encodes an append request's frame (length prefix included).
    public static func appendFrame(key: String, time: TimeMs?, event: Event, into buffer: inout ByteBuffer) {
        var writer = ByteWriter(capacity: 96)
        writer.writeUInt8(appendOp)
        writer.writeShortString(key)
        writeTime(time, into: &writer)
        InputCodec.encode(event, into: &writer)
        buffer.writeInteger(UInt32(writer.bytes.count))
        buffer.writeBytes(writer.bytes)
    }

    /// Decodes one request body. Every malformation is an `InputError` (`bad_frame`, `bad_op`,
    /// `bad_key` or the event's own codes), never a trap: the bytes come from anyone.
    public static func request(body: ByteBuffer) throws(RequestRefusal) -> Request {
        let result: Result<Request, RequestRefusal> = body.withUnsafeReadableBytes { raw in
            var reader = ByteReader(unsafeBytes: raw)
            var key: String?
            do {
                let op = try reader.readUInt8()
                guard op == appendOp || op == batchOp else {
                    return .failure(RequestRefusal(key: nil, error: InputError(code: "bad_op", field: "op", message: "unknown binary op \(op); 1 is append, 2 a batch")))
                }
                let text = try reader.readShortString()
                guard !text.isEmpty else {
                    return .failure(RequestRefusal(key: nil, error: InputError(code: "bad_key", field: "key", message: "0 bytes; 1 to \(RequestKey.maxBytes) are allowed")))
                }
                key = text
                if op == batchOp { return .success(.appendBatch(key: text, items: try batchItems(&reader))) }
                let time = try readTime(&reader)
                let event = try InputCodec.decode(&reader)
                return .success(.append(key: text, time: time, event: event))
            } catch let error as CodecError {
                return .failure(RequestRefusal(key: key, error: InputError(code: "bad_frame", message: error.description)))
            } catch let error as InputError {
                return .failure(RequestRefusal(key: key, error: error))
            } catch {
                return .failure(RequestRefusal(key: key, error: InputError(code: "bad_frame", message: "\(error)")))
            }
        }
        return try result.get()
    }

    /// Writes `response` as a reply frame. Binary requests are appends only, so only their
    /// answers occur: appended, refused, or a batch's results (u8 2 | u32 count | each result as
    /// an appended or refused body).
    public static func write(_ response: Response, into buffer: inout ByteBuffer) {
        if case .appended(_, let seq, let derived) = response {
            return writeAppended(seq: seq, derivedCount: UInt32(derived.count), into: &buffer)
        }
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        switch response {
        case .appended:
            preconditionFailure("written by writeAppended")
        case .refused(_, let error):
            writeRefusal(error, into: &buffer)
        case .batchAppended(_, let results):
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(UInt32(results.count))
            var next = results.startIndex
            while next < results.endIndex {
                if case .refused(let error) = results[next] {
                    writeRefusal(error, into: &buffer)
                    next += 1
                } else {
                    next = writeAppendedRun(results, from: next, into: &buffer)
                }
            }
        case .status, .account, .ticked:
            preconditionFailure("binary requests are appends; queries are NDJSON only")
        }
        buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
    }

    private static func writeRefusal(_ error: InputError, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(1))
        writeShort(error.code, into: &buffer)
        // Cut at characters so the text stays valid UTF-8 within ByteWriter.maxStringBytes.
        let message = Array(error.message.prefix(1000).utf8)
        buffer.writeInteger(UInt16(message.count))
        buffer.writeBytes(message)
        writeShort(error.field ?? "", into: &buffer)
    }

    /// The acknowledgement frame, the bulk of a feeder's replies: 00 00 00 0D | 00 | seq | count,
    /// big-endian, stored in one write (five `writeInteger`s were each a checked access to the
    /// buffer's storage, about a twentieth of the event loop's time for one binary client).
    private static func writeAppended(seq: Seq, derivedCount: UInt32, into buffer: inout ByteBuffer) {
        let frameBytes = 4 + 1 + 8 + 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: frameBytes) { raw in
            raw.storeBytes(of: UInt32(frameBytes - 4).bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt8(0), toByteOffset: 4, as: UInt8.self)
            raw.storeBytes(of: seq.rawValue.bigEndian, toByteOffset: 5, as: UInt64.self)
            raw.storeBytes(of: derivedCount.bigEndian, toByteOffset: 13, as: UInt32.self)
            return frameBytes
        }
    }

    /// A batch's appended results from `start` up to its next refusal, each 00 | seq | count,
    /// in one write: a `writeInteger` is a checked access to the buffer's storage, and three
    /// per event were most of the event loop's time answering a batch. Returns where it stopped.
    private static func writeAppendedRun(_ results: [BatchResult], from start: Int, into buffer: inout ByteBuffer) -> Int {
        var end = start
        while end < results.endIndex, case .appended = results[end] { end += 1 }
        let resultBytes = 1 + 8 + 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: (end - start) * resultBytes) { raw in
            for index in start..<end {
                guard case .appended(let seq, let derived) = results[index] else { preconditionFailure("a refusal in an appended run") }
                let offset = (index - start) * resultBytes
                raw.storeBytes(of: UInt8(0), toByteOffset: offset, as: UInt8.self)
                raw.storeBytes(of: seq.rawValue.bigEndian, toByteOffset: offset + 1, as: UInt64.self)
                raw.storeBytes(of: UInt32(derived.count).bigEndian, toByteOffset: offset + 9, as: UInt32.self)
            }
            return (end - start) * resultBytes
        }
        return end
    }

    private static func writeShort(_ text: String, into buffer: inout ByteBuffer) {
        let bytes = Array(text.prefix(60).utf8)  // at most 240 bytes
        buffer.writeInteger(UInt8(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// A decoded reply frame, for clients.
    public enum ReplyFrame: Equatable, Sendable {
        case appended(seq: Seq, derivedCount: UInt32)
        case refused(code: String, message: String, field: String?)
    }

    /// Decodes one reply body (without its length prefix).
    public static func reply(body: ByteBuffer) throws(CodecError) -> ReplyFrame {
        let result: Result<ReplyFrame, CodecError> = body.withUnsafeReadableBytes { raw in
            var reader = ByteReader(unsafeBytes: raw)
            do {
                let frame = try replyResult(status: try reader.readUInt8(), &reader)
                guard reader.isAtEnd else { throw CodecError("\(reader.remaining) trailing bytes", offset: reader.offset) }
                return .success(frame)
            } catch let error as CodecError { return .failure(error) } catch {
                return .failure(CodecError("\(error)", offset: 0))
            }
        }
        return try result.get()
    }

    private static func replyResult(status: UInt8, _ reader: inout ByteReader) throws(CodecError) -> ReplyFrame {
        switch status {
        case 0: return .appended(seq: Seq(try reader.readUInt64()), derivedCount: try reader.readUInt32())
        case 1:
            let code = try reader.readShortString()
            let message = try reader.readString()
            let field = try reader.readShortString()
            return .refused(code: code, message: message, field: field.isEmpty ? nil : field)
        default: throw CodecError("reply status \(status) is neither 0 nor 1", offset: 0)
        }
    }

    /// Decodes one reply body (without its length prefix) to a batch append: status 2, then one
    /// result per event in the batch's order; a refusal of the whole batch (status 1) is returned
    /// as its only element.
    public static func batchReply(body: ByteBuffer) throws(CodecError) -> [ReplyFrame] {
        let result: Result<[ReplyFrame], CodecError> = body.withUnsafeReadableBytes { raw in
            var reader = ByteReader(unsafeBytes: raw)
            return Result { () throws(CodecError) in
                let status = try reader.readUInt8()
                guard status == 2 else {
                    let whole = try replyResult(status: status, &reader)
                    guard reader.isAtEnd else { throw CodecError("\(reader.remaining) trailing bytes", offset: reader.offset) }
                    return [whole]
                }
                let count = Int(try reader.readUInt32())
                guard count <= BatchLimits.maxEvents else { throw CodecError("a batch reply of \(count) results", offset: 1) }
                var results: [ReplyFrame] = []
                results.reserveCapacity(count)
                for _ in 0..<count { results.append(try replyResult(status: try reader.readUInt8(), &reader)) }
                guard reader.isAtEnd else { throw CodecError("\(reader.remaining) trailing bytes", offset: reader.offset) }
                return results
            }
        }
        return try result.get()
    }
}
