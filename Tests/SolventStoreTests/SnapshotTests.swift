import SolventCore
import SolventStore
import Testing

@Suite struct SnapshotTests {
    @Test func nearestSnapshotAtOrBeforeIsFound() throws {
        try withNewLog { log, _ in
            try log.append(records(1...60))
            try log.putSnapshot(seq: 10, state: [10, 10])
            try log.putSnapshot(seq: 50, state: [50])
            try log.append(records(61...80), snapshot: Snapshot(seq: 80, state: Array(0..<200)))
            #expect(try log.snapshot(atOrBefore: 9) == nil)
            #expect(try log.snapshot(atOrBefore: 10) == Snapshot(seq: 10, state: [10, 10]))
            #expect(try log.snapshot(atOrBefore: 49) == Snapshot(seq: 10, state: [10, 10]))
            #expect(try log.snapshot(atOrBefore: 50)?.seq == 50)
            #expect(try log.snapshot(atOrBefore: 1_000) == Snapshot(seq: 80, state: Array(0..<200)))
            #expect(try log.snapshotSeqs() == [10, 50, 80])
            #expect(log.lastSeq == 80)
        }
    }

    @Test func snapshotBeyondTheLogIsRefused() throws {
        try withNewLog { log, _ in
            try log.append(records(1...5))
            #expect(storeError { try log.putSnapshot(seq: 6, state: [1]) } == .snapshotOutOfRange(seq: 6, lastSeq: 5))
            #expect(storeError { try log.append(records(6...7), snapshot: Snapshot(seq: 8, state: [1])) }?.code == "snapshot_out_of_range")
            #expect(log.lastSeq == 5)  // the records of the refused batch were not written either
            #expect(try log.snapshotSeqs().isEmpty)
        }
    }

    @Test func corruptedSnapshotIsDetected() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            try writeSnapshot(directory)
            try flipByte(directory: directory, database: "snapshots", key: bigEndianKey(3)) { _ in 1 }
            let log = try EventLog(directory: directory)
            #expect(storeError { _ = try log.snapshot(atOrBefore: 3) } == .snapshotCorrupt(seq: 3))
            #expect(try log.snapshot(atOrBefore: 2)?.seq == 1)
        }
    }

    private func writeSnapshot(_ directory: String) throws {
        let log = try EventLog(directory: directory)
        try log.append(records(1...3))
        try log.putSnapshot(seq: 1, state: [1, 2, 3])
        try log.putSnapshot(seq: 3, state: [4, 5, 6])
    }
}
