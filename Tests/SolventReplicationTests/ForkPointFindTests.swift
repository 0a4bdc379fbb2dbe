import Foundation
import SolventCore
import SolventStore
import Testing
@testable import SolventReplication

/// Where a returning leader's log and the new leader's part, found from the returning one's
/// chain probes (docs/REPLICATION.md, "The fork point of a returning leader").
@Suite struct ForkPointFindTests {
    static func deposit(_ units: Int64, at second: Int64) -> JournalInput {
        var deposit = Deposit()
        deposit.account = AccountID(valid: "alice")
        deposit.amount = Money(units: units)
        return JournalInput(time: TimeMs(1_700_000_000_000 + second * 1_000), event: .deposit(deposit))
    }

    /// A log of `shared` deposits, then `own` deposits of `ownUnits` (a tail of its own).
    static func log(_ directory: String, shared: Int, own: Int, ownUnits: Int64) throws -> EventLog {
        try EventLog.create(directory: directory, createdTimeMs: 0)
        let journal = try Journal(directory: directory)
        for second in 0..<Int64(shared) { _ = try journal.append([deposit(100, at: second)]) }
        for second in 0..<Int64(own) { _ = try journal.append([deposit(ownUnits, at: Int64(shared) + second)]) }
        return journal.log
    }

    @Test(arguments: [(shared: 40, theirs: 5, mine: 3), (shared: 40, theirs: 0, mine: 9), (shared: 1, theirs: 2, mine: 1), (shared: 100, theirs: 30, mine: 0)])
    func theCommonPointIsAtOrBeforeTheForkAndNoFurtherBackThanTheTailAgain(_ shape: (shared: Int, theirs: Int, mine: Int)) async throws {
        try await withTemporaryDirectory { directory in
            let leader = try Self.log(directory + "/leader", shared: shape.shared, own: shape.theirs, ownUnits: 5)
            let returning = try Self.log(directory + "/returning", shared: shape.shared, own: shape.mine, ownUnits: 7)
            let probes = try ChainProbe.of(returning, head: returning.lastSeq)
            #expect(probes.first?.seq == returning.lastSeq && probes.last?.seq == 1)
            let found = try ForkPoint.find(probes, in: leader)
            if shape.mine == 0 {
                #expect(found == .continues)  // its head is in the leader's log
                return
            }
            guard case .parts(let common) = found else {
                Issue.record("\(found)")
                return
            }
            let fork = UInt64(shape.shared)
            #expect(common.rawValue <= fork, "agreement is never claimed past the fork")
            #expect(fork - common.rawValue <= UInt64(shape.mine), "dropped beyond the fork: at most the tail again")
            #expect(try leader.chainHash(through: common) == returning.chainHash(through: common))
        }
    }

    @Test func logsThatShareNotEvenRecordOneAreUnrelated() async throws {
        try await withTemporaryDirectory { directory in
            let leader = try Self.log(directory + "/leader", shared: 0, own: 10, ownUnits: 5)
            let other = try Self.log(directory + "/other", shared: 3, own: 0, ownUnits: 7)
            #expect(try ForkPoint.find(ChainProbe.of(other, head: other.lastSeq), in: leader) == .unrelated)
            #expect(try ForkPoint.find([], in: leader) == .continues, "an empty standby follows from 1")
        }
    }
}
