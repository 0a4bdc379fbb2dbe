import Foundation
import SolventCore
import SolventStore
import Testing

/// A snapshot whose state is not the state after its seq (its hash is right: the bytes are a
/// writer's) is refused as `snapshot_corrupt` when a log is opened — replaying onto it trapped
/// the ledger's order check, which would be a daemon that cannot start, not an error.
@Suite struct SnapshotSeqTests {
    @Test func aSnapshotAheadOfItsSeqIsCorruptNotATrap() throws {
        try withTemporaryDirectory { directory in
            let inputs = try StandbyLogTests.leaderInputs()
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: 1_000, rules: .v2)
            do {
                let journal = try Journal(directory: directory)
                try journal.append(inputs)
                // The state at the head, filed under seq 10.
                let head = journal.withLedger { $0.encodeSnapshot() }
                try journal.log.putSnapshot(seq: 10, state: head)
            }
            let log = try EventLog(directory: directory)
            #expect(throws: StoreError.snapshotCorrupt(seq: 10)) { _ = try log.rederivation() }
            #expect(throws: StoreError.snapshotCorrupt(seq: 10)) { _ = try log.ledger(at: 20) }
            #expect(throws: StoreError.snapshotCorrupt(seq: 10)) { _ = try Journal(directory: directory) }
        }
    }
}
