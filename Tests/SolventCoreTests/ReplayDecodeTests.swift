@testable import SolventCore
import Testing

/// Replay's decoding side: ids interned by their raw bytes, the decoder that resolves them, and
/// `Rederivation` fed decoded records judging exactly as it judges plain bytes.
@Suite struct ReplayDecodeTests {
    /// `body` with the bytes of `text`.
    static func withBytes<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    static func intern(_ table: inout ByteInternTable, _ text: String) -> Int {
        withBytes(text) { key in
            let hash = table.hash(bytes: key)
            if let known = table.index(of: key, hash: hash) { return known }
            return table.append(Identifier(valid: text), hash: hash)
        }
    }

    static func find(_ table: ByteInternTable, _ text: String) -> Int? {
        withBytes(text) { table.index(of: $0, hash: table.hash(bytes: $0)) }
    }

    @Test func internedIdsAreFoundByTheirBytesThroughEveryGrowth() {
        var table = ByteInternTable()
        // 20k ids: the slots grow from 16 many times and probe chains of colliding slots form.
        let texts = (0..<20_000).map { "acct-\($0)" }
        for (index, text) in texts.enumerated() { #expect(Self.intern(&table, text) == index) }
        #expect(table.count == texts.count)
        for (index, text) in texts.enumerated() {
            #expect(Self.find(table, text) == index)
            #expect(table.ids[index].text == text)
        }
        #expect(Self.find(table, "acct-20000") == nil)
        #expect(Self.find(table, "acct-") == nil)
        // Interning again gives the first index, adds nothing.
        #expect(Self.intern(&table, "acct-17") == 17)
        #expect(table.count == texts.count)
    }

    @Test func idsThatShareBytesOrHashBitsAreToldApart() {
        var table = ByteInternTable()
        // Prefixes of each other, same length differing in the last byte (inside and after the
        // 8-byte chunks the comparison reads), and the longest allowed.
        let long = String(repeating: "x", count: 64)
        let texts = ["a", "ab", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghabcdefgh", "abcdefghabcdefgi",
                     long, String(long.dropLast()) + "y", "BTC-PERP", "BTC-PERQ"]
        for (index, text) in texts.enumerated() { #expect(Self.intern(&table, text) == index) }
        for (index, text) in texts.enumerated() { #expect(Self.find(table, text) == index) }
        // Ids whose hashes share the 32 tag bits and the slot bits would need the bytes compared;
        // with few slots every id shares its slot bits with many others: all are still distinct.
        var small = ByteInternTable()
        let many = (0..<300).map { "m\($0)" }
        for text in many { _ = Self.intern(&small, text) }
        let found = many.map { Self.find(small, $0) }
        #expect(found == many.indices.map { Optional($0) })
    }

    /// A log with every hot kind, new and known accounts, a refused trade of a new account, a
    /// withdrawal with its derived record, and prices that set off the engine.
    static func log() -> [Record] {
        var driver = LedgerDriver()
        driver.send(listed("BTC-PERP"))
        driver.send(listed("ETH-PERP"))
        driver.send(oracle("BTC-PERP", "30000"))
        driver.send(oracle("ETH-PERP", "2000"))
        for n in 0..<40 { driver.send(deposit("a\(n)", n == 7 ? "10" : "100000")) }
        driver.send(trade("BTC-PERP", buyer: "a1", seller: "a2", "1", at: "30000", buyerFee: "1", sellerFee: "1"))
        driver.send(trade("BTC-PERP", buyer: "newcomer", seller: "a3", "1", at: "30000"))  // refused: no cash
        driver.send(trade("ETH-PERP", buyer: "a7", seller: "a4", "2", at: "2000"))  // a7 has little cash
        for n in 0..<60 {
            driver.send(trade(n % 2 == 0 ? "BTC-PERP" : "ETH-PERP", buyer: "a\(n % 40 == 7 ? 8 : n % 40)",
                              seller: "a\((n + 13) % 40 == 7 ? 9 : (n + 13) % 40)", "0.01", at: n % 2 == 0 ? "30000" : "2000"))
        }
        driver.send(withdrawal("a5", "10"))
        driver.send(funding("BTC-PERP", "0.0001"))
        driver.send(oracle("ETH-PERP", "1700"))
        driver.send(oracle("ETH-PERP", "1500"))
        driver.send(deposit("a41", "5"))
        return driver.log
    }

    @Test func theDecoderReadsEveryRecordAsTheCodecDoes() throws {
        var decoder = RecordDecoder()
        for record in Self.log() {
            let bytes = RecordCodec.encode(record)
            let decoded = bytes.withUnsafeBytes { decoder.decode($0) }
            if record.kind.isInput {
                #expect(decoded.event == record.event)
                #expect(decoded.seq == record.seq && decoded.time == record.time)
            } else {
                #expect(decoded.event == nil, "derived records are compared as bytes, not decoded")
            }
        }
        // Known ids come back from the table: one entry per distinct market and account.
        #expect(decoder.table.ids.contains(Identifier(valid: "newcomer")))
        #expect(decoder.table.count == 2 + 42)
    }

    @Test func bytesTheDecoderCannotReadAreLeftToTheReferenceDecoder() {
        var decoder = RecordDecoder()
        var bytes = RecordCodec.encode(Record(seq: 1, time: 5, event: deposit("ok", "1")))
        bytes[RecordCodec.headerSize + 1] = UInt8(ascii: "!")  // not an identifier byte
        let decoded = bytes.withUnsafeBytes { decoder.decode($0) }
        #expect(decoded.event == nil)
        #expect(decoder.table.count == 0, "an invalid id is never interned")
        var replay = Rederivation(ledger: Ledger(rules: defaultTestRules))
        let mismatch = bytes.withUnsafeBytes { replay.feed($0) }
        #expect(mismatch?.seq == 1)
        #expect(mismatch?.reason.hasPrefix("record does not decode: deposit: identifier byte 0x21") == true)
    }

    /// Every record fed, returning the first mismatch.
    static func feed(_ replay: inout Rederivation, _ records: [[UInt8]]) -> ReplayMismatch? {
        for bytes in records {
            if let mismatch = bytes.withUnsafeBytes({ replay.feed($0) }) { return mismatch }
        }
        return replay.finish()
    }

    @Test func replayThroughResolvedIdsEndsInTheStateOfTheEngine() {
        let records = Self.log()
        #expect(records.contains { $0.kind == .tradeRejected })
        #expect(records.contains { $0.kind == .withdrawalAccepted })
        var replay = Rederivation(ledger: Ledger(rules: defaultTestRules))
        #expect(Self.feed(&replay, records.map(RecordCodec.encode)) == nil)
        #expect(replay.ledger == SolventTestSupport.replay(records))
        // Every id replay met in the ledger is resolved to the ledger's own index of it.
        let table = replay.decoder.table
        for (key, index) in replay.accountOfKey.enumerated() where index >= 0 {
            #expect(replay.ledger.accounts.id(Int(index)).rawValue == table.ids[key])
        }
        #expect(replay.accountOfKey.filter { $0 >= 0 }.count == 41)  // all but the refused newcomer
        #expect(replay.marketOfKey.filter { $0 >= 0 }.count == 2)
    }

    @Test func aReplayFromASnapshotResolvesIdsItHasNeverDecoded() throws {
        let records = Self.log()
        let cut = try #require(records.firstIndex { $0.kind == .trade })
        let start = SolventTestSupport.replay(records[..<cut])
        var replay = Rederivation(ledger: try Ledger(snapshot: start.encodeSnapshot()), lastSeq: records[cut - 1].seq)
        #expect(Self.feed(&replay, records[cut...].map(RecordCodec.encode)) == nil)
        #expect(replay.ledger == SolventTestSupport.replay(records))
    }

    @Test func aMismatchIsReportedAtItsSeqExactlyAsFromPlainBytes() throws {
        var records = Self.log()
        let index = try #require(records.firstIndex { $0.kind == .withdrawalAccepted })
        guard case .withdrawalAccepted(var accepted) = records[index].event else { Issue.record("no match: case .withdrawalAccepted(var accepted) = records[index].event"); return }
        accepted.available = accepted.available + Money(units: 1)
        records[index].event = .withdrawalAccepted(accepted)
        var replay = Rederivation(ledger: Ledger(rules: defaultTestRules))
        let mismatch = try #require(Self.feed(&replay, records.map(RecordCodec.encode)))
        #expect(mismatch.seq == records[index].seq)
        #expect(mismatch.reason == "derived record differs")
        #expect(mismatch.actual == records[index])
        // An input out of order is caught where it stands too.
        var shuffled = Self.log()
        shuffled[50].time = shuffled[49].time - 1
        var again = Rederivation(ledger: Ledger(rules: defaultTestRules))
        let late = try #require(Self.feed(&again, shuffled.map(RecordCodec.encode)))
        #expect(late.seq == shuffled[50].seq)
        #expect(late.reason.hasPrefix("time "))
    }
}
