import SolventCore
import SolventStore
import Testing

@Suite struct AppendTests {
    @Test func appendedBytesReadBackExactlyWithPrevHashChained() throws {
        try withNewLog { log, _ in
            let batch = records(1...50, count: 97)
            let headHash = try log.append(batch)
            #expect(log.lastSeq == 50)
            #expect(log.lastTime == 500)
            #expect(log.headHash == headHash)
            try log.read { reader in
                #expect(reader.lastSeq == 50)
                #expect(reader.head.hash == headHash)
                var seen: [StoredRecord] = []
                try reader.forEach { seen.append($0); return true }
                #expect(seen.map(\.seq) == Array(1...50))
                #expect(seen.map { Array($0.bytes) } == batch.map { Array($0.bytes) })
                #expect(Array(seen[0].prevHash) == [UInt8](repeating: 0, count: 32))
                #expect(try reader.record(7) == seen[6])
                #expect(try reader.record(51) == nil)
            }
        }
    }

    @Test func headAndRecordsSurviveCloseAndReopen() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 42)
            let (headHash, batch) = try appendAndClose(directory: directory)
            let reopened = try EventLog(directory: directory)
            #expect(reopened.lastSeq == 20)
            #expect(reopened.lastTime == 200)
            #expect(reopened.headHash == headHash)
            #expect(reopened.createdTimeMs == 42)
            #expect(reopened.formatVersion == EventLog.supportedFormatVersion)
            let stored = try reopened.read { reader in try (1...20).map { try reader.record($0).map { Array($0.bytes) } } }
            #expect(stored == batch.map { Array($0.bytes) })
            #expect(try reopened.verifyChain() == .ok(count: 20, head: headHash))
        }
    }

    private func appendAndClose(directory: String) throws -> ([UInt8], [AppendRecord]) {
        let log = try EventLog(directory: directory)
        let batch = records(1...20)
        try log.append(Array(batch[..<5]))
        return (try log.append(Array(batch[5...])), batch)
    }

    @Test func chainHashIsSHA256OfPrevHashThenRecordBytes() throws {
        // Golden vector computed independently (Python hashlib):
        // h1 = SHA256(32 zero bytes ‖ 01 02 03), h2 = SHA256(h1 ‖ "solvent").
        let h1 = hex("4400c1b8638ac2dce3ce0e10b8a891175926ca29a7246e96ef41aa81f11201cc")
        let h2 = hex("4ccf6c177a26f97c1ccf17dcd4112738f141033f1a275162c0c84f6d7b234409")
        try withNewLog { log, _ in
            #expect(try log.append([AppendRecord(seq: 1, time: 1, bytes: [1, 2, 3])]) == h1)
            #expect(try log.append([AppendRecord(seq: 2, time: 1, bytes: Array("solvent".utf8))]) == h2)
            let second = try log.read { try #require(try $0.record(2)) }
            #expect(Array(second.prevHash) == h1)
        }
    }

    @Test func canonicalRecordRoundTripsThroughTheStore() throws {
        var deposit = Deposit()
        deposit.account = AccountID(valid: "alice")
        deposit.amount = Money(units: 1000)
        deposit.ref = Identifier(valid: "d-1")
        let record = Record(seq: 1, time: 2, event: .deposit(deposit))
        try withNewLog { log, _ in
            try log.append([AppendRecord(seq: 1, time: 2, bytes: RecordCodec.encode(record), requestKey: "gw1-1")])
            let stored = try log.read { try #require(try $0.record(1)) }
            #expect(try RecordCodec.decode(stored.bytes) == record)
        }
    }

    @Test func borrowedIterationHonoursRangeAndEarlyStop() throws {
        try withNewLog { log, _ in
            try log.append(records(1...100))
            try log.read { reader in
                var seqs: [Seq] = []
                try reader.forEachBorrowed(from: 10, through: 20) { record in
                    #expect(Array(record.bytes) == recordBytes(record.seq))
                    #expect(record.prevHash.count == 32)
                    seqs.append(record.seq)
                    return true
                }
                #expect(seqs == Array(10...20))
                var count = 0
                try reader.forEachBorrowed(from: 95) { _ in count += 1; return count < 3 }
                #expect(count == 3)
            }
        }
    }

    @Test func emptyBatchChangesNothing() throws {
        try withNewLog { log, _ in
            let zeros = [UInt8](repeating: 0, count: 32)
            let headHash = try log.append([])
            #expect(headHash == zeros)
            #expect(log.lastSeq == 0)
            let verdict = try log.verifyChain()
            #expect(verdict == .ok(count: 0, head: zeros))
        }
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
