// Trades are about 90% of a busy log's inputs. The write path reads each from a binary frame and
// writes it into its record, and through `Event.fields` both went by way of a copy of the whole
// event and a write-back of the payload: 230–350 ns per trade each way, of the daemon's ~2.4 µs
// per event (perf, `bench ingest --only binary.batch`). These read and write a trade's payload
// field by field, in the order and with the checks of `Trade.fields` through the binary coders.
// `TradeCodecTests` holds them to the generic coders, byte for byte and error for error.

extension BinaryFieldWriter {
    /// Writes `trade` exactly as `Trade.fields` through this coder does (`ByteCursor.writeTrade`).
    mutating func write(_ trade: borrowing Trade) {
        writer.append(count: RecordCodec.tradePayloadCount(trade)) { $0.writeTrade(trade) }
    }

    /// `field(_:_:)` of an optional: tag 0, or tag 1 and the value.
    @inline(__always)
    mutating func writeOptional<V: FieldValue>(_ value: V?) {
        if let value {
            writer.writeUInt8(1)
            value.encode(into: &writer)
        } else {
            writer.writeUInt8(0)
        }
    }
}

extension BinaryFieldReader {
    /// Reads a trade exactly as `Trade.fields` through this coder does (same fields, order,
    /// checks and errors), into the member-wise initialiser: `Trade()` fetched placeholder ids
    /// only for each field to overwrite them.
    mutating func trade() throws(CodecError) -> Trade {
        let market = try MarketID.decode(from: &reader)
        let buyer = try AccountID.decode(from: &reader)
        let seller = try AccountID.decode(from: &reader)
        let qty = try Quantity.decode(from: &reader)
        let price = try Price.decode(from: &reader)
        let buyerFee: Money? = try optional("buyerFee")
        let sellerFee: Money? = try optional("sellerFee")
        let ref: Identifier? = try optional("ref")
        return Trade(market: market, buyer: buyer, seller: seller, qty: qty, price: price,
                     buyerFee: buyerFee, sellerFee: sellerFee, ref: ref)
    }
}

extension Event {
    /// Writes the payload's fields in binary. A trade goes through `BinaryFieldWriter.write`;
    /// other kinds through `fields(_:)`, on a copy (binary writing only reads fields).
    func writeFields(to coder: inout BinaryFieldWriter) {
        if case .trade(let trade) = self { return coder.write(trade) }
        var copy = self
        try! copy.fields(&coder)
    }

    /// Reads a `kind` payload in binary, a trade through `BinaryFieldReader.trade()`.
    static func readFields(_ kind: EventKind, from coder: inout BinaryFieldReader) throws -> Event {
        if kind == .trade { return .trade(try coder.trade()) }
        return try decode(kind, &coder)
    }
}

extension RecordCodec {
    /// `encode(_:into:)` of a trade's record: its exact size reserved once and written through
    /// a cursor (a growth check and a `memmove` call per field were most of a trade's encoding).
    /// The same bytes as the generic path, header and payload; `TradeCodecTests` compares them.
    static func encodeTrade(_ trade: borrowing Trade, seq: Seq, time: TimeMs, cause: Seq?, into writer: inout ByteWriter) {
        let payloadCount = tradePayloadCount(trade)
        writer.append(count: headerSize + payloadCount) { cursor in
            cursor.writeUInt8(formatVersion)
            cursor.writeUInt64(seq.rawValue)
            cursor.writeInt64(time.rawValue)
            cursor.writeUInt8(EventKind.trade.rawValue)
            cursor.writeUInt64(cause?.rawValue ?? 0)
            cursor.writeUInt32(UInt32(payloadCount))
            cursor.writeTrade(trade)
        }
    }

    /// The bytes of a trade's payload: three ids, two numbers, two optional numbers and an
    /// optional id (docs/FORMAT.md).
    static func tradePayloadCount(_ trade: borrowing Trade) -> Int {
        3 + trade.market.text.utf8.count + trade.buyer.text.utf8.count + trade.seller.text.utf8.count
            + 16 + (trade.buyerFee == nil ? 1 : 9) + (trade.sellerFee == nil ? 1 : 9)
            + (trade.ref.map { 2 + $0.text.utf8.count } ?? 1)
    }
}

extension ByteCursor {
    /// A trade's payload, in `Trade.fields` order: the one field list of both fast writers
    /// (a record's, `RecordCodec.encodeTrade`, and an input frame's, `BinaryFieldWriter.write`).
    mutating func writeTrade(_ trade: borrowing Trade) {
        writeShortString(trade.market.text)
        writeShortString(trade.buyer.text)
        writeShortString(trade.seller.text)
        writeInt64(trade.qty.raw)
        writeInt64(trade.price.raw)
        writeOptional(trade.buyerFee.map(\.raw))
        writeOptional(trade.sellerFee.map(\.raw))
        if let ref = trade.ref {
            writeUInt8(1)
            writeShortString(ref.text)
        } else {
            writeUInt8(0)
        }
    }

    /// An optional number: tag 0, or tag 1 and the value.
    @inline(__always)
    mutating func writeOptional(_ raw: Int64?) {
        if let raw {
            writeUInt8(1)
            writeInt64(raw)
        } else {
            writeUInt8(0)
        }
    }
}
