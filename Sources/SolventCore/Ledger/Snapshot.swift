// Canonical state encoding (docs/FORMAT.md "ledger snapshot"): the same state gives the same
// bytes, and decoding then encoding gives the bytes back. Version 2, all integers big-endian:
//
//   "SLDG" | u16 version | u64 lastSeq | i64 lastTimeMs | i64 totalDeposited | i64 totalWithdrawn
//   | ParamsSet(full global params) | u64 globalParamsVersion
//   | u16 markets × { MarketListed | opt i64 mark | u8 markFromOracle | i64 markTimeMs
//                    | opt i64 heldPrice | i64 heldCount | u8 halted
//                    | ParamsSet overrides | u64 paramsVersion }
//   | u32 accounts × { short string id | i64 cash | u8 flags }        (interning order)
//   | per market: u32 holders × { u32 account index | i64 qty | i64 openCost } (ascending index)
//   | the engine's margin calls, liquidations, auctions and deferral queue (EngineSnapshot.swift)
//
// Version 2 added the oracle guards' per-market state (heldPrice, heldCount, halted) and the
// deferral queue (SPEC §5.9); version 1 snapshots are refused (replay from genesis rebuilds them).
// Version 3 is version 2 with `u32 rules` (RulesVersion) after the version, and the global
// ParamsSet's extension block (fundImr, fundMmr) present: the snapshots of a rules-2 ledger. A
// rules-1 ledger still writes version 2, byte for byte as before (SPEC §5.11).
//
// Payload-shaped parts use the record payload encoding (optional = u8 tag + value). Derived
// data (effective params, holder and open-position counts) is rebuilt on decode, not stored.

extension Ledger {
    static let snapshotMagic: [UInt8] = Array("SLDG".utf8)
    /// The version of a rules-1 ledger's snapshots; later rules write `snapshotVersion + 1`
    /// with the rules number (header above).
    public static let snapshotVersion: UInt16 = 2
    static let rulesSnapshotVersion: UInt16 = 3

    /// The canonical encoding of the whole state.
    public func encodeSnapshot() -> [UInt8] {
        var coder = BinaryFieldWriter(writer: ByteWriter(capacity: 64 + accounts.count * 24))
        coder.writer.writeBytes(Self.snapshotMagic)
        if rules == .v1 {
            coder.writer.writeUInt16(Self.snapshotVersion)
        } else {
            coder.writer.writeUInt16(Self.rulesSnapshotVersion)
            coder.writer.writeUInt32(rules.rawValue)
        }
        coder.writer.writeUInt64(lastSeq.rawValue)
        coder.writer.writeInt64(lastTimeMs.rawValue)
        coder.writer.writeInt64(totalDeposited.raw)
        coder.writer.writeInt64(totalWithdrawn.raw)
        Self.write(ParamsSet(full: globalParams, rules: rules), &coder)
        coder.writer.writeUInt64(globalParamsVersion.rawValue)
        coder.writer.writeUInt16(UInt16(markets.count))
        for market in markets {
            Self.write(market.listing, &coder)
            var mark = market.mark
            try! coder.field("mark", &mark)  // binary writing only reads fields
            coder.writer.writeUInt8(market.markFromOracle ? 1 : 0)
            coder.writer.writeInt64(market.markTimeMs.rawValue)
            var held = market.heldPrice
            try! coder.field("heldPrice", &held)
            coder.writer.writeInt64(market.heldCount)
            coder.writer.writeUInt8(market.halted ? 1 : 0)
            Self.write(market.overrides, &coder)
            coder.writer.writeUInt64(market.paramsVersion.rawValue)
        }
        coder.writer.writeUInt32(UInt32(accounts.count))
        for state in accounts.states {
            coder.writer.writeShortString(state.id.text)
            coder.writer.writeInt64(state.cash.raw)
            coder.writer.writeUInt8(state.flags)
        }
        for market in markets {
            coder.writer.writeUInt32(UInt32(market.holders))
            for (index, cell) in market.cells.enumerated() where !cell.qty.isZero {
                coder.writer.writeUInt32(UInt32(index))
                coder.writer.writeInt64(cell.qty.raw)
                coder.writer.writeInt64(cell.openCost.raw)
            }
        }
        engine.encode(into: &coder.writer)
        return coder.writer.bytes
    }

    private static func write<P: Payload>(_ payload: P, _ coder: inout BinaryFieldWriter) {
        var copy = payload
        try! copy.fields(&coder)  // binary writing only reads fields
    }

    /// Rebuilds a ledger from `encodeSnapshot()` bytes, refusing anything a ledger could not have
    /// produced (unknown version, bad tiers, duplicate ids, unsorted or unbalanced positions,
    /// cash not conserved, trailing bytes).
    public init(snapshot bytes: [UInt8]) throws(CodecError) {
        self = try bytes.withUnsafeBytes { raw in
            Result { () throws(CodecError) in
                var decoder = SnapshotDecoder(coder: BinaryFieldReader(reader: ByteReader(unsafeBytes: raw)))
                return try decoder.decode()
            }
        }.get()
    }
}

/// Reads a snapshot section by section; `fail` reports the offset reached.
private struct SnapshotDecoder {
    var coder: BinaryFieldReader

    func fail(_ message: String) -> CodecError { CodecError("ledger snapshot: \(message)", offset: coder.reader.offset) }

    mutating func read<P: Payload>(_ type: P.Type, _ what: String) throws(CodecError) -> P {
        var payload = P()
        do { try payload.fields(&coder) } catch let error as CodecError {
            throw CodecError("ledger snapshot: \(what): \(error.message)", offset: error.offset)
        } catch {
            throw fail("\(what): \(error)")
        }
        return payload
    }

    mutating func decode() throws(CodecError) -> Ledger {
        let magic = try coder.reader.readBytes(4)
        guard Array(magic) == Ledger.snapshotMagic else { throw CodecError("not a ledger snapshot", offset: 0) }
        let version = try coder.reader.readUInt16()
        let rules: RulesVersion
        switch version {
        case Ledger.snapshotVersion: rules = .v1
        case Ledger.rulesSnapshotVersion:
            let number = try coder.reader.readUInt32()
            guard let known = RulesVersion(rawValue: number), known > .v1 else { throw fail("engine rules \(number) are unknown") }
            rules = known
        default: throw fail("version \(version) is neither \(Ledger.snapshotVersion) nor \(Ledger.rulesSnapshotVersion)")
        }
        var ledger = Ledger(rules: rules)
        ledger.lastSeq = Seq(try coder.reader.readUInt64())
        ledger.lastTimeMs = TimeMs(try coder.reader.readInt64())
        ledger.totalDeposited = Money(raw: try coder.reader.readInt64())
        ledger.totalWithdrawn = Money(raw: try coder.reader.readInt64())
        coder.extensionsPresent = rules.fundIsMargined
        let global = try read(ParamsSet.self, "global params")
        coder.extensionsPresent = false
        guard global == ParamsSet(full: global.applied(to: RiskParams(rules: rules)), rules: rules) else { throw fail("global params are not a full set") }
        try validated(global, "global params")
        ledger.globalParams = global.applied(to: RiskParams(rules: rules))
        ledger.globalParamsVersion = Seq(try coder.reader.readUInt64())
        try decodeMarkets(into: &ledger)
        try decodeAccounts(into: &ledger)
        for m in ledger.markets.indices { try decodePositions(market: m, into: &ledger) }
        ledger.engine = try EngineBook.decode(from: &coder.reader, accounts: ledger.accounts.count, markets: ledger.markets.count)
        // The trigger index is derived: rebuilt, not stored.
        ledger.refreshFarBounds()
        for index in 0..<ledger.accounts.count where ledger.accounts.states[index].openPositions > 0 {
            ledger.rearm(account: index)
        }
        guard coder.reader.isAtEnd else { throw fail("\(coder.reader.remaining) trailing bytes") }
        guard ledger.totalCash() == ledger.totalDeposited - ledger.totalWithdrawn else { throw fail("cash is not conserved") }
        return ledger
    }

    func validated(_ params: ParamsSet, _ what: String) throws(CodecError) {
        do { try params.validate() } catch { throw fail("\(what): \(error)") }
    }

    mutating func decodeMarkets(into ledger: inout Ledger) throws(CodecError) {
        let count = Int(try coder.reader.readUInt16())
        guard count <= Ledger.maxMarkets else { throw fail("\(count) markets") }
        for _ in 0..<count {
            let listing = try read(MarketListed.self, "market")
            do { try listing.validate() } catch { throw fail("market \(listing.market): \(error)") }
            guard ledger.marketIndexByID[listing.market] == nil else { throw fail("duplicate market \(listing.market)") }
            var mark: Price?
            do { try coder.field("mark", &mark) } catch { throw fail("mark: \(error)") }
            guard (mark?.raw ?? 1) > 0 else { throw fail("mark of \(listing.market) is not positive") }
            let fromOracle = try coder.reader.readUInt8()
            guard fromOracle <= 1, fromOracle == 0 || mark != nil else { throw fail("bad mark source of \(listing.market)") }
            var market = MarketState(listing: listing, params: ledger.globalParams, paramsVersion: 0)
            market.mark = mark
            market.markFromOracle = fromOracle == 1
            market.markTimeMs = TimeMs(try coder.reader.readInt64())
            try decodeGuards(into: &market)
            market.overrides = try read(ParamsSet.self, "market params")
            guard market.overrides.market == nil else { throw fail("market params name a market") }
            try validated(market.overrides, "market params")
            market.params = market.overrides.applied(to: ledger.globalParams)
            market.paramsVersion = Seq(try coder.reader.readUInt64())
            _ = ledger.marketIndexByID.intern(listing.market)
            ledger.markets.append(market)
        }
    }

    /// The oracle guards' state: a hold is a positive first price with a count ≥ 1, or nothing;
    /// only a market with an oracle price can be halted.
    mutating func decodeGuards(into market: inout MarketState) throws(CodecError) {
        var held: Price?
        do { try coder.field("heldPrice", &held) } catch { throw fail("held price: \(error)") }
        let count = try coder.reader.readInt64()
        guard held == nil ? count == 0 : (held!.raw > 0 && count >= 1) else { throw fail("bad price hold of \(market.id)") }
        let halted = try coder.reader.readUInt8()
        guard halted <= 1, halted == 0 || market.markFromOracle else { throw fail("bad halt flag of \(market.id)") }
        market.heldPrice = held
        market.heldCount = count
        market.halted = halted == 1
    }

    mutating func decodeAccounts(into ledger: inout Ledger) throws(CodecError) {
        let count = Int(try coder.reader.readUInt32())
        guard count >= 2, count <= coder.reader.remaining / 10 + 2 else { throw fail("account count \(count)") }
        ledger.accounts = AccountTable()
        ledger.accounts.reserveCapacity(count)
        for index in 0..<count {
            let id: AccountID
            do { id = try AccountID.decode(from: &coder.reader) } catch { throw fail("account id: \(error.message)") }
            guard ledger.accounts.intern(id) == index else { throw fail("duplicate account \(id)") }
            ledger.accounts.states[index].cash = Money(raw: try coder.reader.readInt64())
            let flags = try coder.reader.readUInt8()
            guard flags & ~AccountState.Flags.all == 0 else { throw fail("unknown flags \(flags) of \(id)") }
            ledger.accounts.states[index].flags = flags
        }
        guard ledger.accounts.id(Ledger.insuranceIndex) == .insurance, ledger.accounts.id(Ledger.feesIndex) == .fees else {
            throw fail("the first accounts must be insurance and fees")
        }
    }

    mutating func decodePositions(market m: Int, into ledger: inout Ledger) throws(CodecError) {
        let holders = Int(try coder.reader.readUInt32())
        guard holders <= ledger.accounts.count else { throw fail("\(holders) holders") }
        guard holders == 0 || ledger.markets[m].mark != nil else { throw fail("positions without a mark") }
        var previous = -1
        var net = Quantity.zero
        for _ in 0..<holders {
            let index = Int(try coder.reader.readUInt32())
            let cell = PositionCell(qty: Quantity(raw: try coder.reader.readInt64()), openCost: Money(raw: try coder.reader.readInt64()))
            guard index > previous, index < ledger.accounts.count else { throw fail("position of account \(index) out of order") }
            guard !cell.qty.isZero else { throw fail("zero position stored") }
            previous = index
            net += cell.qty
            ledger.move(index, market: m, to: cell, cashDelta: .zero)
        }
        guard net.isZero else { throw fail("positions in \(ledger.markets[m].id) sum to \(net)") }
    }
}
