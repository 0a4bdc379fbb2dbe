import NIOCore
import SolventCore

/// One event of a batch append (docs/PROTOCOL.md "Batches"): its explicit time (nil: the
/// receipt time) and the event, or why it could not be read — then it alone is refused, and the
/// batch's other events go on.
public struct BatchItem: Sendable, Equatable {
    public var time: TimeMs?
    /// The event read, or a placeholder when `refusal` is set. Stored apart from the refusal,
    /// not as a `Result`, so that staging can move the event out with a swap: taking it out of
    /// a `Result` went through a pattern binding, which copied every event of a batch.
    public private(set) var payload: Event
    public private(set) var refusal: InputError?

    public init(time: TimeMs?, event: Result<Event, InputError>) {
        self.time = time
        switch event {
        case .success(let read):
            payload = read
            refusal = nil
        case .failure(let error):
            payload = Self.placeholder
            refusal = error
        }
    }

    /// An event read (the decoders' form: no `Result` to take it out of again).
    public init(time: TimeMs?, read: consuming Event) {
        self.time = time
        payload = read
        refusal = nil
    }

    /// An event that could not be read.
    public init(refused error: InputError) {
        time = nil
        payload = Self.placeholder
        refusal = error
    }

    /// The event, or why it could not be read.
    public var event: Result<Event, InputError> {
        get { refusal.map { .failure($0) } ?? .success(payload) }
        set { self = BatchItem(time: time, event: newValue) }
    }

    /// The event moved out, a placeholder left in its place (for a refused item, the
    /// placeholder it holds).
    public mutating func takeEvent() -> Event {
        var taken = Self.placeholder
        swap(&taken, &payload)
        return taken
    }

    private static var placeholder: Event { .clock(Clock()) }
}

/// One event's result in a batch's reply, in the batch's order.
public enum BatchResult: Sendable, Equatable {
    /// Committed at `seq`, with the records the engine derived right after it.
    case appended(seq: Seq, derived: [DerivedRef])
    case refused(InputError)
}

/// The limits of one batch: one idempotency key and one durable commit for all of it.
public enum BatchLimits {
    /// Events in one batch (TigerBeetle's 8,190 transfers per request, rounded to our frame).
    public static let maxEvents = 8_190
    /// A batch's request line or frame body, in bytes; also the bound on any request line.
    public static let maxBytes = 1 << 20

    static func checkCount(_ count: Int) throws(InputError) {
        guard count >= 1 else { throw InputError(code: "empty_batch", field: "events", message: "a batch needs at least one event") }
        guard count <= maxEvents else {
            throw InputError(code: "batch_too_large", field: "events",
                             message: "\(count) events; a batch holds at most \(maxEvents)")
        }
    }
}

extension Request {
    /// A batch append of the plain shape read by `JSONScan.batch`, every event through the same
    /// scan as a single append's; nil (then the tree path decides and words every refusal) for
    /// anything else, an event that does not scan included.
    public static func scannedBatch(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout ScanScratch) -> Request? {
        guard bytes.count <= maxLineBytes,
              JSONScan.batch(bytes, array: "events", outer: &scratch.outer, elements: &scratch.elements),
              let op = JSONScan.member("op", in: scratch.outer, bytes), op.kind == .string,
              bytes[op.value].elementsEqual("append".utf8),
              let key = JSONScan.member("key", in: scratch.outer, bytes), key.kind == .string,
              key.value.count >= 1 && key.value.count <= RequestKey.maxBytes,
              JSONScan.member("event", in: scratch.outer, bytes) == nil,
              (1...BatchLimits.maxEvents).contains(scratch.elements.count) else { return nil }
        var items: [BatchItem] = []
        items.reserveCapacity(scratch.elements.count)
        for range in scratch.elements {
            let element = UnsafeBufferPointer(rebasing: bytes[range])
            guard JSONScan.object(element, outer: &scratch.inner, inner: &scratch.nested),
                  let input = RecordJSON.input(scanned: scratch.inner, in: element) else { return nil }
            items.append(BatchItem(time: input.time, read: input.event))
        }
        return .appendBatch(key: String(decoding: bytes[key.value], as: UTF8.self), items: items)
    }

    /// `{"op":"append","key":K,"events":[{…},{…}]}` (the tree path; each element read as an
    /// append's `event`).
    static func parseBatch(_ json: JSONValue, key: String) throws(InputError) -> Request {
        guard case .array(let elements)? = json["events"] else {
            throw InputError(code: "bad_batch", field: "events", message: "events must be an array of events")
        }
        guard json["event"] == nil else {
            throw InputError(code: "bad_batch", field: "event", message: "an append has either event or events, not both")
        }
        try BatchLimits.checkCount(elements.count)
        let items = elements.map { element in
            do throws(InputError) {
                let input = try RecordJSON.input(element, requireTime: false)
                return BatchItem(time: input.time, read: input.event)
            } catch {
                return BatchItem(refused: error)
            }
        }
        return .appendBatch(key: key, items: items)
    }
}

extension BinaryProtocol {
    /// A batch append: u8 2 | u8 key length + key | u16 count | count × (u32 item length | u8
    /// time tag [i64 time] | u8 kind | payload).
    public static let batchOp: UInt8 = 2

    /// Encodes a batch append's frame (length prefix included).
    public static func batchFrame(key: String, items: [(time: TimeMs?, event: Event)], into buffer: inout ByteBuffer) {
        var writer = ByteWriter(capacity: 16 + items.count * 96)
        writer.writeUInt8(batchOp)
        writer.writeShortString(key)
        writer.writeUInt16(UInt16(items.count))
        for item in items {
            var body = ByteWriter(capacity: 96)
            writeTime(item.time, into: &body)
            InputCodec.encode(item.event, into: &body)
            writer.writeUInt32(UInt32(body.bytes.count))
            writer.writeBytes(body.bytes)
        }
        buffer.writeInteger(UInt32(writer.bytes.count))
        buffer.writeBytes(writer.bytes)
    }

    static func writeTime(_ time: TimeMs?, into writer: inout ByteWriter) {
        if let time {
            writer.writeUInt8(1)
            writer.writeInt64(time.rawValue)
        } else {
            writer.writeUInt8(0)
        }
    }

    /// The items of a batch frame after its key: a malformed item is that item's refusal, a
    /// malformed count or item length the whole frame's (the framing inside it is lost).
    static func batchItems(_ reader: inout ByteReader) throws(InputError) -> [BatchItem] {
        let count: Int
        do { count = Int(try reader.readUInt16()) } catch { throw InputError(code: "bad_frame", message: error.description) }
        try BatchLimits.checkCount(count)
        var items: [BatchItem] = []
        items.reserveCapacity(count)
        for index in 0..<count {
            // Borrowed, not copied: the frame's bytes outlive this call's reads.
            let bytes: UnsafeRawBufferPointer
            do {
                let length = Int(try reader.readUInt32())
                bytes = try reader.borrowBytes(length)
            } catch {
                throw InputError(code: "bad_frame", message: "batch item \(index): \(error.description)")
            }
            var item = ByteReader(unsafeBytes: bytes)
            items.append(batchItem(&item))
        }
        guard reader.isAtEnd else {
            throw InputError(code: "bad_frame", message: "\(reader.remaining) trailing bytes after the batch's \(count) items")
        }
        return items
    }

    private static func batchItem(_ reader: inout ByteReader) -> BatchItem {
        do throws(InputError) {
            let time = try readTime(&reader)
            return BatchItem(time: time, read: try InputCodec.decode(&reader))
        } catch {
            return BatchItem(refused: error)
        }
    }

    /// The time tag and time of an append or a batch item.
    static func readTime(_ reader: inout ByteReader) throws(InputError) -> TimeMs? {
        do {
            switch try reader.readUInt8() {
            case 0: return nil
            case 1:
                let value = try reader.readInt64()
                guard value >= 0 else { throw InputError(code: "bad_time", field: "time", message: "must be non-negative Unix milliseconds") }
                return TimeMs(value)
            case let tag:
                throw InputError(code: "bad_frame", field: "time", message: "time tag \(tag) is neither 0 nor 1")
            }
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(code: "bad_frame", message: "\(error)")
        }
    }
}
