// Decoding for replay, apart from applying, so that a driver can run it on another thread
// (SolventStore's `LogReader.forEachDecoded`) while `Rederivation` applies what is decoded.
//
// The ids of the hot inputs (a trade's market, buyer and seller; a deposit's or withdrawal's
// account; a price's or funding's market) are resolved through a `ByteInternTable` straight from
// the record's bytes: the `Identifier` put in the event is the one interned when the id was first
// met, and the id's table index travels with the record, so `Rederivation` finds the ledger's
// index for it in an array instead of hashing the id again.
//
// A record that this decoder cannot read is not judged here: `DecodedRecord.event` is nil and
// `Rederivation.feed` checks its bytes the one exact way (`RecordCodec.decode`), so errors and
// mismatches are reported exactly as before.

/// A stored record, decoded ahead of being fed to `Rederivation`.
///
/// Holds the stored bytes borrowed, valid only as long as their source is (a read transaction
/// of the store): derived records are compared against these bytes, never decoded.
public struct DecodedRecord {
    /// The record's canonical bytes, as stored.
    public let bytes: UnsafeRawBufferPointer
    /// Header fields, filled for inputs only (a derived record is judged from `bytes`).
    var seq: Seq = 0
    var time: TimeMs = 0
    /// The decoded event of an input record without a cause; nil for anything else (derived
    /// records, and bytes this decoder cannot read), which `feed` judges from `bytes`.
    var event: Event?
    /// `ByteInternTable` indices of the event's market and accounts (see `DecodedKeys`).
    var keys = DecodedKeys()

    /// The input this decoder read, as (seq, time, event); nil for a derived record or bytes it
    /// could not read. For checks against `RecordCodec.decode` (the record-decoder fuzz target).
    public var input: (seq: Seq, time: TimeMs, event: Event)? {
        event.map { (seq, time, $0) }
    }
}

/// The byte-table indices of an input's market and up to two accounts; −1 where none.
/// trade: market, buyer, seller; deposit and withdrawal: `first` = account; oracle.price,
/// funding and market.listed: market.
struct DecodedKeys: Sendable {
    var market: Int32 = -1
    var first: Int32 = -1
    var second: Int32 = -1
}

/// Decodes stored records for `Rederivation`, resolving ids by their bytes (see the top of this
/// file). One decoder's indices mean something only to the `Rederivation` it came from: a driver
/// that runs it elsewhere takes `Rederivation.decoder` and hands it back when done.
public struct RecordDecoder: Sendable {
    var table = ByteInternTable()

    public init() {}

    /// Decodes the record occupying all of `bytes` as far as replay needs it; never fails.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer) -> DecodedRecord {
        var decoded = DecodedRecord(bytes: bytes)
        decode(bytes, filling: &decoded)
        return decoded
    }

    /// `decode(_:)` into `decoded`, which holds `bytes` and nothing else yet. The batch loop
    /// fills each record in its slot of the output: a record returned and then stored there
    /// was copied (the outlined copy of `DecodedRecord`, a retain of each id, and the release
    /// of the temporary).
    @inline(__always)
    mutating func decode(_ bytes: UnsafeRawBufferPointer, filling decoded: inout DecodedRecord) {
        guard let header = try? RecordCodec.decodeHeader(bytes), header.cause == nil, header.kind.isInput else { return }
        decoded.seq = header.seq
        decoded.time = header.time
        var coder = ResolvingFieldReader(reader: header.payload, table: table, kind: header.kind)
        table = ByteInternTable()  // moved into the coder: keeps its storage uniquely referenced
        defer { table = coder.table }
        // Trades (90% of a busy log) field by field straight into the payload; the rest through
        // `Event.decode`, which reads the same fields in the same order.
        if header.kind == .trade {
            guard let event = try? coder.tradeEvent(), coder.reader.isAtEnd else { return }
            decoded.event = consume event
        } else {
            guard let event = try? Event.decode(header.kind, &coder), coder.reader.isAtEnd else { return }
            decoded.event = consume event
        }
        decoded.keys = coder.keys
    }
}

/// `BinaryFieldReader` that reads the leading required ids of the hot kinds through a
/// `ByteInternTable`, noting their indices. Same bytes consumed and accepted as the plain reader.
struct ResolvingFieldReader: FieldCoder {
    var reader: ByteReader
    var table: ByteInternTable
    var keys = DecodedKeys()
    /// Which `DecodedKeys` slot the next required id fills: 0 market, 1 first, 2 second, 3 none.
    private var slot: Int
    /// The last slot this kind fills.
    private let lastSlot: Int

    init(reader: ByteReader, table: ByteInternTable, kind: EventKind) {
        self.reader = reader
        self.table = table
        switch kind {
        case .trade: (slot, lastSlot) = (0, 2)
        case .deposit, .withdrawal: (slot, lastSlot) = (1, 1)
        case .oraclePrice, .funding, .marketListed: (slot, lastSlot) = (0, 0)
        default: (slot, lastSlot) = (3, 0)
        }
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        guard Identifier.isWrapped(by: V.self), slot <= lastSlot else {
            value = try V.decode(from: &reader)
            return
        }
        let (id, index) = try resolve()
        value = id.wrapped(as: V.self)
        switch slot {
        case 0: keys.market = Int32(index)
        case 1: keys.first = Int32(index)
        default: keys.second = Int32(index)
        }
        slot += 1
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        var plain = BinaryFieldReader(reader: reader)
        try plain.field(key, &value)
        reader = plain.reader
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        var plain = BinaryFieldReader(reader: reader)
        try plain.list(key, &value)
        reader = plain.reader
    }

    mutating func extensions(present: Bool) throws -> Bool { !reader.isAtEnd }

    mutating func endExtensions(present: Bool) throws {
        var plain = BinaryFieldReader(reader: reader)
        try plain.endExtensions(present: present)
    }

    /// A trade, its payload read exactly as `Trade.fields` reads it through this coder (same
    /// fields, order, checks and errors), without starting from `Trade()`: its placeholder ids
    /// were each fetched, retained and then released when overwritten, and the generic
    /// `Event.decode` moved the payload twice more (the decoding thread is as busy as the
    /// applying one in `bench replay`, so its time bounds the wall clock too).
    mutating func tradeEvent() throws(CodecError) -> Event {
        let market = MarketID(try keyedID())
        let buyer = AccountID(try keyedID())
        let seller = AccountID(try keyedID())
        let qty = try Quantity.decode(from: &reader)
        let price = try Price.decode(from: &reader)
        let buyerFee: Money? = try optional("buyerFee")
        let sellerFee: Money? = try optional("sellerFee")
        let ref: Identifier? = try optional("ref")
        return .trade(Trade(market: market, buyer: buyer, seller: seller, qty: qty, price: price,
                            buyerFee: buyerFee, sellerFee: sellerFee, ref: ref))
    }

    /// `field(_:_:)` of a required id: through the table, noting its index in the next slot.
    @inline(__always)
    private mutating func keyedID() throws(CodecError) -> Identifier {
        guard slot <= lastSlot else { return try Identifier.decode(from: &reader) }
        let (id, index) = try resolve()
        switch slot {
        case 0: keys.market = Int32(index)
        case 1: keys.first = Int32(index)
        default: keys.second = Int32(index)
        }
        slot += 1
        return id
    }

    /// `BinaryFieldReader.optional(_:)` at this reader.
    @inline(__always)
    private mutating func optional<V: FieldValue>(_ key: String) throws(CodecError) -> V? {
        var plain = BinaryFieldReader(reader: reader)
        defer { reader = plain.reader }
        return try plain.optional(key)
    }

    /// The id at the reader and its table index, interning it if new; an invalid id throws as
    /// `Identifier.decode` does.
    private mutating func resolve() throws(CodecError) -> (Identifier, Int) {
        let start = reader.offset
        let key = try reader.borrowShortBytes()
        let hash = table.hash(bytes: key)
        if let (index, id) = table.find(key, hash: hash) { return (id, index) }
        guard let id = Identifier(validBytes: key) else {
            reader.rewind(to: start)
            _ = try Identifier.decode(from: &reader)  // throws the plain decoder's error
            throw CodecError("identifier", offset: start)  // not reached: the bytes failed above
        }
        return (id, table.append(id, hash: hash))
    }
}

// Batch decoding. With 100k accounts the table does not fit the cache, and each id found waited
// on memory for its slot: most of the decoding thread's time. Over a batch the waits overlap:
// while record r is decoded, the slots of record r + 16 are being loaded.
extension RecordDecoder {
    /// How far ahead, in records, the slots of a batch are prefetched.
    static let slotDistance = 16

    /// Decodes `records` in order into `output` (room for `records.count`, uninitialised), as
    /// `decode(_:)` of each.
    public mutating func decode(_ records: UnsafeBufferPointer<UnsafeRawBufferPointer>, into output: UnsafeMutablePointer<DecodedRecord>) {
        for r in 0..<min(Self.slotDistance, records.count) { prefetchSlots(of: records[r]) }
        for r in records.indices {
            if r + Self.slotDistance < records.count { prefetchSlots(of: records[r + Self.slotDistance]) }
            (output + r).initialize(to: DecodedRecord(bytes: records[r]))
            decode(records[r], filling: &output[r])
        }
    }

    @inline(__always)
    private func prefetchSlots(of bytes: UnsafeRawBufferPointer) {
        Self.accountKeys(of: bytes) { table.prefetch(table.hash(bytes: $0)) }
    }

    /// Calls `body` with the bytes of each account id of a trade or deposit record, found
    /// without decoding (docs/FORMAT.md: header, then u8-length-prefixed strings). Anything
    /// else or malformed is skipped: hints only, `decode` judges the record.
    @inline(__always)
    static func accountKeys(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let kindOffset = 1 + 8 + 8
        guard bytes.count > RecordCodec.headerSize else { return }
        var offset = RecordCodec.headerSize
        let ids: Int
        switch bytes[kindOffset] {
        case EventKind.trade.rawValue:
            offset += 1 + Int(bytes[offset])  // the market: few, always in cache
            ids = 2
        case EventKind.deposit.rawValue:
            ids = 1
        default:
            return
        }
        for _ in 0..<ids {
            guard offset < bytes.count, offset + 1 + Int(bytes[offset]) <= bytes.count else { return }
            body(UnsafeRawBufferPointer(rebasing: bytes[(offset + 1)..<(offset + 1 + Int(bytes[offset]))]))
            offset += 1 + Int(bytes[offset])
        }
    }
}
