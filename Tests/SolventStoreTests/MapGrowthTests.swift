import SolventCore
import SolventStore
import Testing

@Suite struct MapGrowthTests {
    /// 200k records of 100 bytes (~30 MB of pages) through a 256 KiB initial map: every
    /// MDB_MAP_FULL doubles the map and re-runs the batch, and nothing is lost or doubled.
    @Test func tinyMapGrowsThroughTwoHundredThousandAppends() throws {
        let total: Seq = 200_000
        let batchSize: UInt64 = 1_000
        try withNewLog(initialMapSizeBytes: 256 << 10) { log, _ in
            let initialMapSizeBytes = log.environment.mapSizeBytes
            var first: Seq = 1
            while first <= total {
                try log.append(records(first...(first + batchSize - 1)) { "req-\($0)" })
                first += batchSize
            }
            #expect(log.environment.mapSizeBytes > initialMapSizeBytes)
            #expect(log.lastSeq == total)
            var expected: Seq = 1
            try log.read { reader in
                try reader.forEachBorrowed { record in
                    #expect(record.seq == expected)
                    if !record.bytes.elementsEqual(recordBytes(record.seq)) {
                        Issue.record("record \(record.seq) differs")
                        return false
                    }
                    expected += 1
                    return true
                }
            }
            #expect(expected == total + 1)
            #expect(try log.requestSeq("req-123456") == 123_456)
            #expect(try log.verifyChain() == .ok(count: total.rawValue, head: log.headHash))
        }
    }

    @Test func mapThatCannotGrowFurtherIsStorageFull() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0, initialMapSizeBytes: 256 << 10)
            let log = try EventLog(directory: directory, initialMapSizeBytes: 256 << 10, maxMapSizeBytes: 512 << 10)
            let error = storeError {
                var first: Seq = 1
                while first < 100_000 {
                    try log.append(records(first...(first + 999)))
                    first += 1000
                }
            }
            #expect(error?.code == "storage_full")
            #expect(try log.verifyChain() == .ok(count: log.lastSeq.rawValue, head: log.headHash))
        }
    }
}
