import PropertyBased
import Testing
@testable import SolventCore

/// docs/FORMAT.md: one canonical encoding per record; the decoder refuses everything else and
/// never traps on untrusted bytes.
@Suite struct RecordCodecTests {
    // MARK: Round trips

    @Test(arguments: EventKind.allCases)
    func encodingRoundTripsBitForBit(_ kind: EventKind) async throws {
        await propertyCheck(count: 100, input: Gens.record(kind)) { record throws in
            let bytes = RecordCodec.encode(record)
            let decoded = try RecordCodec.decode(bytes)
            #expect(decoded == record)
            #expect(RecordCodec.encode(decoded) == bytes)
            // The header says what the record is, and the length covers exactly the payload.
            #expect(bytes[0] == RecordCodec.formatVersion)
            #expect(bytes[17] == kind.rawValue)
            #expect(Int(Self.readUInt32(bytes, at: 26)) == bytes.count - RecordCodec.headerSize)
        }
    }

    @Test func kindBytesAreTheDocumentedOnes() {
        // docs/FORMAT.md: inputs 1–10, derived 32–52; never renumbered.
        #expect(EventKind.allCases.count == 31)
        #expect(Gens.inputKinds.map(\.rawValue) == Array(1...10))
        #expect(EventKind.allCases.filter { !$0.isInput }.map(\.rawValue) == Array(32...52))
        for kind in EventKind.allCases {
            #expect(EventKind(name: kind.name) == kind)
            #expect(Event.blank(kind).kind == kind)
        }
    }

    /// The worked example in docs/FORMAT.md.
    static let documentedDeposit: [UInt8] = [
        0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x12,
        0x05, 0x61, 0x6c, 0x69, 0x63, 0x65,
        0x00, 0x00, 0x00, 0x02, 0x57, 0x06, 0xd4, 0x80,
        0x01, 0x02, 0x64, 0x31,
    ]

    static var documentedDepositRecord: Record {
        var deposit = Deposit()
        deposit.account = AccountID(valid: "alice")
        deposit.amount = try! Money(parsing: "100.5")
        deposit.ref = Identifier(valid: "d1")
        return Record(seq: 1, time: 1, event: .deposit(deposit))
    }

    @Test func documentedExampleEncodesToTheDocumentedBytes() throws {
        #expect(RecordCodec.encode(Self.documentedDepositRecord) == Self.documentedDeposit)
        #expect(try RecordCodec.decode(Self.documentedDeposit) == Self.documentedDepositRecord)
    }

    @Test func decodesASliceOfALargerBuffer() throws {
        let buffer: [UInt8] = [0xAA, 0xBB] + Self.documentedDeposit + [0xCC]
        let slice = buffer[2..<(buffer.count - 1)]
        #expect(try RecordCodec.decode(slice) == Self.documentedDepositRecord)
    }

    @Test func absentCauseIsWrittenAsZeroAndReadBackAsNil() throws {
        var record = Self.documentedDepositRecord
        record.cause = 7
        let bytes = RecordCodec.encode(record)
        #expect(Array(bytes[18..<26]) == [0, 0, 0, 0, 0, 0, 0, 7])
        #expect(try RecordCodec.decode(bytes).cause == 7)
        #expect(try RecordCodec.decode(Self.documentedDeposit).cause == nil)
    }

    @Test func longestStringAndLongestListRoundTrip() throws {
        var rejected = WithdrawalRejected()
        rejected.account = AccountID(valid: String(repeating: "a", count: 64))
        rejected.reason = String(repeating: "é", count: ByteWriter.maxStringBytes / 2)
        let first = Record(seq: Seq(.max), time: TimeMs(.min), cause: Seq(.max), event: .withdrawalRejected(rejected))
        #expect(try RecordCodec.decode(RecordCodec.encode(first)) == first)

        var listed = MarketListed()
        listed.market = MarketID(valid: "BTC-PERP")
        listed.tiers = (0..<maxListCount).map { Tier(notionalCap: Money(raw: Int64($0)), mmr: .one, imr: .one, maintAmount: .zero) }
        let second = Record(seq: 1, time: TimeMs(.max), event: .marketListed(listed))
        #expect(try RecordCodec.decode(RecordCodec.encode(second)) == second)
    }

    // MARK: Refusals, with the offset of the faulty byte

    static func depositWith(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = documentedDeposit
        change(&bytes)
        return bytes
    }

    static func patchLength(_ bytes: inout [UInt8]) {
        let length = UInt32(bytes.count - RecordCodec.headerSize)
        for index in 0..<4 { bytes[26 + index] = UInt8(truncatingIfNeeded: length >> UInt32(24 - 8 * index)) }
    }

    static let refusals: [(name: String, bytes: [UInt8], offset: Int)] = [
        ("empty", [], 0),
        ("format version 2", depositWith { $0[0] = 2 }, 0),
        ("format version 0", depositWith { $0[0] = 0 }, 0),
        ("seq 0", depositWith { $0.replaceSubrange(1..<9, with: [0, 0, 0, 0, 0, 0, 0, 0]) }, 1),
        ("kind 0", depositWith { $0[17] = 0 }, 17),
        ("kind 11 (gap after inputs)", depositWith { $0[17] = 11 }, 17),
        ("kind 31", depositWith { $0[17] = 31 }, 17),
        ("kind 53", depositWith { $0[17] = 53 }, 17),
        ("kind 255", depositWith { $0[17] = 255 }, 17),
        ("length one short", depositWith { $0[29] = 0x11 }, 26),
        ("length one long", depositWith { $0[29] = 0x13 }, 26),
        ("length over the bound", depositWith { $0.replaceSubrange(26..<30, with: [0xFF, 0xFF, 0xFF, 0xFF]) }, 26),
        ("trailing byte", depositWith { $0.append(0); patchLength(&$0) }, 48),
        ("optional tag 2", depositWith { $0[44] = 2 }, 44),
        ("optional tag 255", depositWith { $0[44] = 255 }, 44),
        ("empty identifier", depositWith { $0.replaceSubrange(30..<36, with: [0]); patchLength(&$0) }, 30),
        ("identifier with a space", depositWith { $0[32] = 0x20 }, 30),
        ("identifier with invalid UTF-8", depositWith { $0[32] = 0xFF }, 31),
        ("identifier of 65 bytes", depositWith {
            $0.replaceSubrange(30..<36, with: [65] + Array(repeating: UInt8(ascii: "a"), count: 65)); patchLength(&$0)
        }, 30),
        ("payload cut inside amount", depositWith { $0.removeLast(10); patchLength(&$0) }, 36),
        ("payload cut after the ref tag", depositWith { $0.removeLast(3); patchLength(&$0) }, 45),
    ]

    @Test(arguments: refusals)
    func malformedBytesAreRefusedAtTheFaultyByte(_ name: String, _ bytes: [UInt8], _ offset: Int) {
        let error = #expect(throws: CodecError.self, "\(name)") { try RecordCodec.decode(bytes) }
        #expect(error?.offset == offset, "\(name): \(error?.description ?? "")")
    }

    @Test func unknownNamesAndOversizedLengthsInPayloadsAreRefused() throws {
        var started = AuctionStarted()
        started.account = AccountID(valid: "a")
        started.market = MarketID(valid: "m")
        started.curve = .linear
        var bytes = RecordCodec.encode(Record(seq: 1, time: 0, cause: 1, event: .auctionStarted(started)))
        // The curve is the last field: u8 length 6 + "linear". "Linear" is not a curve.
        let curveStart = bytes.count - 7
        #expect(Array(bytes[curveStart...]) == [6] + Array("linear".utf8))
        bytes[curveStart + 1] = UInt8(ascii: "L")
        let error = #expect(throws: CodecError.self) { try RecordCodec.decode(bytes) }
        #expect(error?.offset == curveStart)

        var rejected = TradeRejected()
        rejected.account = AccountID(valid: "a")
        var reasonBytes = RecordCodec.encode(Record(seq: 1, time: 0, cause: 1, event: .tradeRejected(rejected)))
        // account (2 bytes) then reason u16 length at payload offset 2: claim 4097 bytes.
        reasonBytes[RecordCodec.headerSize + 2] = 0x10
        reasonBytes[RecordCodec.headerSize + 3] = 0x01
        #expect(throws: CodecError.self) { try RecordCodec.decode(reasonBytes) }

        var listed = MarketListed()
        listed.market = MarketID(valid: "m")
        var listBytes = RecordCodec.encode(Record(seq: 1, time: 0, event: .marketListed(listed)))
        // market (2) + lotSize (8) + tickSize (8), then the u16 tier count: claim 1025.
        let countOffset = RecordCodec.headerSize + 18
        #expect(Array(listBytes[countOffset...]) == [0, 0])
        listBytes[countOffset] = 0x04
        listBytes[countOffset + 1] = 0x01
        let listError = #expect(throws: CodecError.self) { try RecordCodec.decode(listBytes) }
        #expect(listError?.offset == countOffset)
    }

    // MARK: Untrusted bytes never trap

    @Test(arguments: EventKind.allCases)
    func everyPrefixOfAValidEncodingIsRefused(_ kind: EventKind) async {
        await propertyCheck(count: 20, input: Gens.record(kind)) { record throws in
            let bytes = RecordCodec.encode(record)
            for length in 0..<bytes.count {
                #expect(throws: CodecError.self) { try RecordCodec.decode(bytes[..<length]) }
            }
            // The same prefixes with the length field made to agree reach the payload readers.
            let payloadLength = bytes.count - RecordCodec.headerSize
            var cuts = Array(0..<payloadLength)
            if cuts.count > 300 { cuts = (0..<300).map { _ in Int.random(in: 0..<payloadLength) } }
            for cut in cuts {
                var prefix = Array(bytes[..<(RecordCodec.headerSize + cut)])
                Self.patchLength(&prefix)
                // A params.set cut just before its extension block is a whole params.set of the
                // format before the block (RiskParams.swift): valid, and not the record cut.
                if let shorter = try? RecordCodec.decode(prefix), case .paramsSet(var p) = record.event {
                    p.fundImr = nil
                    p.fundMmr = nil
                    #expect(shorter.event == .paramsSet(p) && shorter.event != record.event)
                    continue
                }
                #expect(throws: CodecError.self) { try RecordCodec.decode(prefix) }
            }
            // One byte too many is refused as well.
            var longer = bytes + [0]
            Self.patchLength(&longer)
            #expect(throws: CodecError.self) { try RecordCodec.decode(longer) }
        }
    }

    /// Decoding either fails with a `CodecError` or yields a record that encodes to the same bytes.
    static func decodesCanonicallyOrRefuses(_ bytes: [UInt8]) -> Bool {
        do {
            let record = try RecordCodec.decode(bytes)
            return RecordCodec.encode(record) == bytes
        } catch {
            return true
        }
    }

    @Test func randomBytesDecodeCanonicallyOrAreRefused() {
        var rng = Xoshiro(seed: (0x5017E17, 1, 2, 3))
        var decoded = 0
        for round in 0..<4000 {
            // Empty and short payloads are drawn often: they are the ones that can decode (a clock).
            let length = Bool.random(using: &rng) ? Int.random(in: 0...3, using: &rng) : Int.random(in: 0...120, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 2 == 0 {
                // A plausible header, so the payload readers see the random bytes.
                let kind = EventKind.allCases.randomElement(using: &rng)!
                var header = ByteWriter()
                header.writeUInt8(1)
                header.writeUInt64(UInt64.random(in: 1...1000, using: &rng))
                header.writeInt64(Int64.random(in: 0...1000, using: &rng))
                header.writeUInt8(kind.rawValue)
                header.writeUInt64(0)
                header.writeUInt32(UInt32(bytes.count))
                bytes = header.bytes + bytes
            }
            let ok = Self.decodesCanonicallyOrRefuses(bytes)
            #expect(ok, "round \(round): \(bytes)")
            if (try? RecordCodec.decode(bytes)) != nil { decoded += 1 }
        }
        // Random payloads behind a real header sometimes form a valid record (e.g. a clock).
        #expect(decoded > 0)
    }

    @Test(arguments: EventKind.allCases)
    func everySingleByteMutationDecodesCanonicallyOrIsRefused(_ kind: EventKind) {
        var rng = Xoshiro(seed: (UInt64(kind.rawValue), 0xC0DEC, 7, 11))
        for _ in 0..<3 {
            let bytes = RecordCodec.encode(Payloads.record(kind, &rng))
            // Bound the work for records with long lists: all positions of the first 400 bytes,
            // then a random sample.
            var positions = Array(0..<min(bytes.count, 400))
            if bytes.count > 400 { positions += (0..<200).map { _ in Int.random(in: 400..<bytes.count, using: &rng) } }
            for position in positions {
                let original = bytes[position]
                for value in Set([original ^ 0x01, original ^ 0x80, 0x00, 0xFF, UInt8.random(in: 0...255, using: &rng)]) where value != original {
                    var mutated = bytes
                    mutated[position] = value
                    #expect(Self.decodesCanonicallyOrRefuses(mutated), "\(kind.name) byte \(position) = \(value)")
                }
            }
        }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
