import SolventCore
import SolventStore
import Testing

@Suite struct ChainVerifyTests {
    static let count: Seq = 30

    @Test func untouchedLogVerifies() throws {
        try withNewLog { log, _ in
            try log.append(records(1...10))
            try log.append(records(11...Self.count))
            var progressCalls = 0
            #expect(try log.verifyChain { _ in progressCalls += 1 } == .ok(count: Self.count.rawValue, head: log.headHash))
            #expect(progressCalls == 0)  // reported every 65,536 records
        }
    }

    enum Spot: String, CaseIterable, Sendable { case body, prevHash }

    /// Flips one byte of seq `seq` (in its body or its prevHash field) and expects that seq named.
    @Test(arguments: [Seq(1), 2, 17, count - 1, count], Spot.allCases)
    func tamperedRecordIsNamed(seq: Seq, spot: Spot) throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            try fill(directory)
            try flipByte(directory: directory, database: "events", key: bigEndianKey(seq)) { count in
                spot == .body ? 5 : count - 7
            }
            let verdict = try EventLog(directory: directory).verifyChain()
            guard case .broken(let named, let reason) = verdict else {
                Issue.record("expected a broken chain, got \(verdict)")
                return
            }
            #expect(named == seq, "\(reason)")
        }
    }

    @Test func recordBeyondTheHeadIsReported() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            try fill(directory)
            try putBehindTheLogsBack(directory, seq: Self.count + 1, value: recordBytes(99) + [UInt8](repeating: 0, count: 32))
            #expect(try EventLog(directory: directory).verifyChain()
                == .broken(seq: Self.count + 1, reason: "records after the chain head's seq \(Self.count)"))
        }
    }

    private func putBehindTheLogsBack(_ directory: String, seq: Seq, value: [UInt8]) throws {
        let environment = try Environment(directory: directory)
        let events = try #require(try environment.database(named: "events", create: false))
        try environment.write { try $0.put(events, key: bigEndianKey(seq), value: value) }
    }

    private func fill(_ directory: String) throws {
        let log = try EventLog(directory: directory)
        try log.append(records(1...Self.count))
    }
}
