// The engine's part of the canonical state encoding (docs/FORMAT.md "ledger snapshot"):
//
//   u32 calls × { u32 account | optional i64 deadline }                         (account order)
//   u32 liquidations × { u64 id | u32 account | u16 market | i64 notional | i64 closedQty
//                        | i64 penaltyPaid | i64 adlQty | i64 insurancePaid }     (id order)
//   u32 auctions × { u64 id | u64 liquidation | u32 account | u16 market | i64 remaining
//                    | i64 startPrice | i64 startTimeMs }                         (id order)
//   u32 deferred × { u32 account | u16 market | u8 trigger | u8 wait }          (queue order)
//
// trigger: 0 maintenance, 1 margin_call_expired; wait: 0 hole_global, 1 hole_market, 2 halted.
// The cap totals and deferral counts are derived (EngineBook), rebuilt here, never encoded.

extension EngineBook {
    func encode(into writer: inout ByteWriter) {
        writer.writeUInt32(UInt32(calls.count))
        for call in calls {
            writer.writeUInt32(UInt32(call.account))
            writeOptional(call.deadline?.rawValue, into: &writer)
        }
        writer.writeUInt32(UInt32(liquidations.count))
        for l in liquidations {
            writer.writeUInt64(l.id.rawValue)
            writer.writeUInt32(UInt32(l.account))
            writer.writeUInt16(UInt16(l.market))
            for raw in [l.notional.raw, l.closedQty.raw, l.penaltyPaid.raw, l.adlQty.raw, l.insurancePaid.raw] { writer.writeInt64(raw) }
        }
        writer.writeUInt32(UInt32(auctions.count))
        for a in auctions {
            writer.writeUInt64(a.id.rawValue)
            writer.writeUInt64(a.liquidation.rawValue)
            writer.writeUInt32(UInt32(a.account))
            writer.writeUInt16(UInt16(a.market))
            for raw in [a.remaining.raw, a.startPrice.raw, a.startTimeMs.rawValue] { writer.writeInt64(raw) }
        }
        writer.writeUInt32(UInt32(deferred.count))
        for entry in deferred {
            writer.writeUInt32(UInt32(entry.account))
            writer.writeUInt16(UInt16(entry.market))
            writer.writeUInt8(entry.trigger == .maintenance ? 0 : 1)
            writer.writeUInt8(entry.wait.rawValue)
        }
    }

    private func writeOptional(_ value: Int64?, into writer: inout ByteWriter) {
        guard let value else { writer.writeUInt8(0); return }
        writer.writeUInt8(1)
        writer.writeInt64(value)
    }

    /// Decodes what `encode` wrote, refusing counts beyond `accounts`/`markets` and unsorted lists.
    static func decode(from reader: inout ByteReader, accounts: Int, markets: Int) throws(CodecError) -> EngineBook {
        var book = EngineBook()
        for _ in 0..<(try boundedCount(&reader, limit: accounts)) {
            let account = try index(&reader, limit: accounts)
            let deadline: TimeMs? = try reader.readUInt8() == 1 ? TimeMs(try reader.readInt64()) : nil
            guard book.calls.last.map({ $0.account < account }) ?? true else { throw CodecError("margin calls out of order", offset: reader.offset) }
            book.calls.append(MarginCallEntry(account: account, deadline: deadline))
        }
        for _ in 0..<(try boundedCount(&reader, limit: accounts)) {
            let id = Seq(try reader.readUInt64())
            let account = try index(&reader, limit: accounts)
            let market = Int(try reader.readUInt16())
            guard market < markets else { throw CodecError("liquidation in unknown market \(market)", offset: reader.offset) }
            var l = RunningLiquidation(id: id, account: account, market: market, notional: Money(raw: try reader.readInt64()))
            l.closedQty = Quantity(raw: try reader.readInt64())
            l.penaltyPaid = Money(raw: try reader.readInt64())
            l.adlQty = Quantity(raw: try reader.readInt64())
            l.insurancePaid = Money(raw: try reader.readInt64())
            guard book.liquidations.last.map({ $0.id < id }) ?? true else { throw CodecError("liquidations out of order", offset: reader.offset) }
            book.liquidations.append(l)
        }
        for _ in 0..<(try boundedCount(&reader, limit: accounts)) {
            let id = Seq(try reader.readUInt64())
            let liquidation = Seq(try reader.readUInt64())
            let account = try index(&reader, limit: accounts)
            let market = Int(try reader.readUInt16())
            guard market < markets else { throw CodecError("auction in unknown market \(market)", offset: reader.offset) }
            let remaining = Quantity(raw: try reader.readInt64())
            let start = Price(raw: try reader.readInt64())
            let startTime = TimeMs(try reader.readInt64())
            guard book.auctions.last.map({ $0.id < id }) ?? true else { throw CodecError("auctions out of order", offset: reader.offset) }
            book.addAuction(RunningAuction(id: id, liquidation: liquidation, account: account, market: market,
                                                remaining: remaining, startPrice: start, startTimeMs: startTime))
        }
        book.replaceDeferred(try decodeDeferred(from: &reader, accounts: accounts, markets: markets))
        return book
    }

    /// The deferral queue, in queue order; an account appears at most once.
    private static func decodeDeferred(from reader: inout ByteReader, accounts: Int, markets: Int) throws(CodecError) -> [DeferredLiquidation] {
        var queue: [DeferredLiquidation] = []
        for _ in 0..<(try boundedCount(&reader, limit: accounts)) {
            let account = try index(&reader, limit: accounts)
            let market = Int(try reader.readUInt16())
            guard market < markets else { throw CodecError("deferred liquidation in unknown market \(market)", offset: reader.offset) }
            let triggerByte = try reader.readUInt8()
            guard triggerByte <= 1 else { throw CodecError("unknown liquidation trigger \(triggerByte)", offset: reader.offset - 1) }
            let waitByte = try reader.readUInt8()
            guard let wait = DeferralWait(rawValue: waitByte) else { throw CodecError("unknown deferral wait \(waitByte)", offset: reader.offset - 1) }
            queue.append(DeferredLiquidation(account: account, market: market, trigger: triggerByte == 0 ? .maintenance : .marginCallExpired, wait: wait))
        }
        let accountsQueued = queue.map(\.account).sorted()
        for offset in accountsQueued.indices.dropFirst() where accountsQueued[offset - 1] == accountsQueued[offset] {
            throw CodecError("account \(accountsQueued[offset]) deferred twice", offset: reader.offset)
        }
        return queue
    }

    private static func boundedCount(_ reader: inout ByteReader, limit: Int) throws(CodecError) -> Int {
        let count = Int(try reader.readUInt32())
        guard count <= limit else { throw CodecError("\(count) engine entries for \(limit) accounts", offset: reader.offset - 4) }
        return count
    }

    private static func index(_ reader: inout ByteReader, limit: Int) throws(CodecError) -> Int {
        let value = Int(try reader.readUInt32())
        guard value < limit else { throw CodecError("account index \(value) out of range", offset: reader.offset - 4) }
        return value
    }
}
