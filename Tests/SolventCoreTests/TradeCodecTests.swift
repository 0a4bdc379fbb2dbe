import PropertyBased
import Testing
@testable import SolventCore

/// TradeCodec.swift reads and writes a trade field by field, apart from `Trade.fields`: these
/// hold both fast paths to the generic coders, byte for byte and error for error, so that a
/// field added to `Trade` and not to them fails here.
@Suite struct TradeCodecTests {
    /// The record as the generic path writes it: the header, then `Event.fields` through the
    /// binary writer (what `RecordCodec.encode` did for every kind before the fast path).
    static func genericEncoding(_ record: Record) -> [UInt8] {
        var coder = BinaryFieldWriter(writer: ByteWriter())
        coder.writer.writeUInt8(RecordCodec.formatVersion)
        coder.writer.writeUInt64(record.seq.rawValue)
        coder.writer.writeInt64(record.time.rawValue)
        coder.writer.writeUInt8(record.kind.rawValue)
        coder.writer.writeUInt64(record.cause?.rawValue ?? 0)
        coder.writer.writeUInt32(0)
        var event = record.event
        try! event.fields(&coder)
        coder.writer.patchUInt32(UInt32(coder.writer.bytes.count - RecordCodec.headerSize), at: RecordCodec.headerSize - 4)
        return coder.writer.bytes
    }

    /// Random trades, with and without fees and ref, ids of 1–64 bytes, and a cause (as a
    /// derived record's header would have; a trade record never has one, but the writer must
    /// put any header exactly).
    static let trades: Generator<Record, Shrink.None<Record>> = Generator { rng in
        var record = Payloads.record(.trade, &rng)
        if Bool.random(using: &rng) { record.cause = max(1, Draw.seq(&rng)) }
        return record
    }

    @Test func tradeRecordsEncodeAsTheGenericPathDoes() async {
        await propertyCheck(count: 300, input: Self.trades) { record in
            #expect(RecordCodec.encode(record) == Self.genericEncoding(record))
        }
    }

    @Test func tradesAppendedToABufferEncodeAsEachAlone() async {
        await propertyCheck(count: 50, input: Self.trades) { record in
            var writer = ByteWriter(capacity: 0)
            writer.writeBytes([0xAB, 0xCD])
            RecordCodec.encode(record, into: &writer)
            RecordCodec.encode(record, into: &writer)
            let one = Self.genericEncoding(record)
            #expect(writer.bytes == [0xAB, 0xCD] + one + one)
        }
    }

    @Test func theInputFrameOfATradeIsTheGenericOne() async {
        await propertyCheck(count: 100, input: Self.trades) { record in
            var fast = ByteWriter()
            InputCodec.encode(record.event, into: &fast)
            var generic = BinaryFieldWriter(writer: ByteWriter())
            generic.writer.writeUInt8(EventKind.trade.rawValue)
            var event = record.event
            try! event.fields(&generic)
            #expect(fast.bytes == generic.writer.bytes)
        }
    }

    /// The fast reader against `Event.decode` over the payload of a random trade with one byte
    /// changed or the bytes cut short: the same trade, or the same error at the same offset.
    @Test func tradesReadAsTheGenericPathReadsThem() async {
        let cases: Generator<([UInt8], Int, UInt8, Int), Shrink.None<([UInt8], Int, UInt8, Int)>> = Generator { rng in
            let record = Payloads.record(.trade, &rng)
            let payload = Array(RecordCodec.encode(record).dropFirst(RecordCodec.headerSize))
            return (payload, Int.random(in: 0..<payload.count, using: &rng), UInt8.random(in: 0...255, using: &rng),
                    Int.random(in: 0...payload.count, using: &rng))
        }
        await propertyCheck(count: 400, input: cases) { payload, position, byte, cut in
            for bytes in [payload, Self.changed(payload, at: position, to: byte), Array(payload.prefix(cut))] {
                let fast = Self.read(bytes) { coder throws in Event.trade(try coder.trade()) }
                let generic = Self.read(bytes) { coder throws in try Event.decode(.trade, &coder) }
                #expect(fast == generic)
            }
        }
    }

    static func changed(_ bytes: [UInt8], at position: Int, to byte: UInt8) -> [UInt8] {
        var bytes = bytes
        bytes[position] = byte
        return bytes
    }

    /// What `body` read from `bytes`: the event and the offset it stopped at, or the error.
    static func read(_ bytes: [UInt8], _ body: (inout BinaryFieldReader) throws -> Event) -> ReadOutcome {
        bytes.withUnsafeBytes { raw in
            var coder = BinaryFieldReader(reader: ByteReader(unsafeBytes: raw))
            do {
                let event = try body(&coder)
                return .read(event, offset: coder.reader.offset)
            } catch let error as CodecError {
                return .refused(error)
            } catch {
                return .other("\(error)")
            }
        }
    }

    enum ReadOutcome: Equatable {
        case read(Event, offset: Int)
        case refused(CodecError)
        case other(String)
    }
}
