import SolventCore
import SolventStore
import Testing

/// Refused appends are typed and leave the log exactly as it was.
@Suite struct RefusalTests {
    @Test func duplicateRequestKeyIsRefusedAndNothingIsWritten() throws {
        try withNewLog { log, _ in
            try log.append(records(1...2) { "key-\($0)" })
            let head = log.head
            let error = storeError { try log.append(records(3...4) { $0 == 4 ? "key-1" : "key-\($0)" }) }
            #expect(error == .duplicateKey(key: "key-1", existingSeq: 1))
            #expect(error?.code == "duplicate_key")
            #expect(log.head == head)
            #expect(try log.requestSeq("key-1") == 1)
            #expect(try log.requestSeq("key-3") == nil)
            #expect(try log.read { try $0.record(3) } == nil)
        }
    }

    @Test func requestKeyRepeatedInsideOneBatchIsRefused() throws {
        try withNewLog { log, _ in
            let error = storeError { try log.append(records(1...3) { $0 == 1 ? nil : "same" }) }
            #expect(error == .duplicateKey(key: "same", existingSeq: 2))
            #expect(log.lastSeq == 0)
            let stored = try log.requestSeq("same")
            #expect(stored == nil)
        }
    }

    @Test func timeRegressionIsRefusedNamingSeqAndTimes() throws {
        try withNewLog { log, _ in
            try log.append(records(1...2))
            let againstHead = storeError { try log.append([AppendRecord(seq: 3, time: 15, bytes: [1])]) }
            #expect(againstHead == .timeRegression(seq: 3, time: 15, previousTime: 20))
            #expect(againstHead?.code == "time_regression")
            let insideBatch = storeError {
                try log.append([AppendRecord(seq: 3, time: 30, bytes: [1]), AppendRecord(seq: 4, time: 29, bytes: [2])])
            }
            #expect(insideBatch == .timeRegression(seq: 4, time: 29, previousTime: 30))
            #expect(log.lastSeq == 2)
            try log.append([AppendRecord(seq: 3, time: 20, bytes: [1])])  // equal time is fine
            #expect(log.lastSeq == 3)
        }
    }

    @Test func seqGapOrRepeatIsRefused() throws {
        try withNewLog { log, _ in
            #expect(storeError { try log.append(records(2...3)) } == .seqGap(expected: 1, found: 2))
            try log.append(records(1...2))
            #expect(storeError { try log.append(records(4...4)) } == .seqGap(expected: 3, found: 4))
            #expect(storeError { try log.append(records(2...2)) }?.code == "seq_gap")
            #expect(log.lastSeq == 2)
            #expect(try log.verifyChain() == .ok(count: 2, head: log.headHash))
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 256)])
    func requestKeyOutsideOneTo255BytesIsRefused(key: String) throws {
        try withNewLog { log, _ in
            #expect(storeError { try log.append(records(1...1) { _ in key }) }?.code == "bad_request_key")
            #expect(log.lastSeq == 0)
        }
    }
}
