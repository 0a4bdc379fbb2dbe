import Foundation
import SolventCore
import SolventServer
import SolventStore
import Testing

/// Storage faults of issue 10 against a real server: a disk-full stand-in (an LMDB map size cap),
/// a data directory from a newer format version, and kill -9 during a snapshot-writing commit.
@Suite struct StorageFaultTests {
    /// Fills a 512 KiB capped map through the socket: appends are refused `storage_full` (not a
    /// crash, not a half-write), reads still answer, and after a reopen with room every
    /// acknowledged key is there, no refused one is, and writing goes on.
    @Test func fullMapRefusesAppendsKeepsReadsAndResumesAfterReopen() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory + "/data", socket = directory + "/solventd.sock"
            try EventLog.create(directory: data, createdTimeMs: 0, initialMapSizeBytes: 256 << 10)
            var acknowledged: [String: UInt64] = [:]
            var refused: [String] = []
            var options = ServerOptions()
            options.maxMapSizeBytes = 512 << 10
            let server = try await SolventServer.start(listener: .path(socket), dataDirectory: data, options: options, nowMs: { testNowMs })
            do {
                var batch = 0
                while refused.isEmpty && batch < 100 {
                    let keys = (0..<200).map { "fill-\(batch)-\($0)" }
                    let replies = try await exchange(socket, keys.map {
                        appendRequest(key: $0, event: deposit("acct-\($0)", "1", ref: "ref-\($0)"))
                    })
                    for (key, reply) in zip(keys, replies) {
                        if let seq = number(reply["seq"]), reply["ok"] == .bool(true) { acknowledged[key] = seq }
                        else {
                            #expect(errorCode(reply) == "storage_full", "\(JSONWriter.string(reply))")
                            refused.append(key)
                        }
                    }
                    batch += 1
                }
                try #require(!refused.isEmpty, "the capped map never filled")
                #expect(acknowledged.count > 100)
                // A group commit is one transaction, so a smaller one may still fit: single appends
                // go on until even one record does not, each either acknowledged or refused whole.
                var single = 0
                while single < 500 {
                    let key = "single-\(single)"
                    let reply = try await exchange(socket, [appendRequest(key: key, event: deposit("late", "1", ref: key))])[0]
                    if let seq = number(reply["seq"]), reply["ok"] == .bool(true) { acknowledged[key] = seq; single += 1; continue }
                    #expect(errorCode(reply) == "storage_full", "\(JSONWriter.string(reply))")
                    refused.append(key)
                    break
                }
                // Full, and reads are served.
                let reads = try await exchange(socket, [#"{"op":"status"}"#, #"{"op":"account","account":"acct-fill-0-0"}"#])
                #expect(number(reads[0]["seq"]) == acknowledged.values.max())
                #expect(reads[1]["ok"] == .bool(true), "\(JSONWriter.string(reads[1]))")
                try await server.shutdown()
            } catch {
                try? await server.shutdown()
                throw error
            }
            // Space returns: reopen without the cap.
            let lastSeq = try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, [appendRequest(key: "after-reopen", event: deposit("late", "1", ref: "late-2"))])
                #expect(replies[0]["ok"] == .bool(true), "\(JSONWriter.string(replies[0]))")
                return try #require(number(replies[0]["seq"]))
            }
            let journal = try Journal(directory: data)
            for (key, seq) in acknowledged { #expect(try journal.seq(forKey: key)?.rawValue == seq, "acknowledged \(key) lost") }
            for key in refused { #expect(try journal.seq(forKey: key) == nil, "refused \(key) was stored") }
            #expect(refused.last?.hasPrefix("single-") == true)
            try expectLogVerifies(data, records: lastSeq)
        }
    }

    @Test func dataDirectoryFromNewerFormatIsRefusedAtStart() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory + "/data"
            try EventLog.create(directory: data, createdTimeMs: 0)
            let environment = try Environment(directory: data)
            let meta = try #require(try environment.database(named: "meta", create: false))
            try environment.write { try $0.put(meta, key: Array("formatVersion".utf8), value: [0, 0, 0, 3]) }
            do {
                let server = try await SolventServer.start(socketPath: directory + "/s.sock", dataDirectory: data)
                try await server.shutdown()
                Issue.record("a format-3 directory was served")
            } catch let error as StoreError {
                #expect(error.code == "unsupported_format")
                #expect(error.description == "the log is format version 3 but this build reads versions up to 2; use a newer solvent")
            }
        }
    }

    /// `solvent append` of a batch that writes 40 snapshots in its commit, killed with SIGKILL at
    /// points spread over its run: each time the directory reopens (snapshot checked by
    /// re-derivation), the chain verifies, and the batch is in whole or not at all.
    @Test func killDuringSnapshotCommitLeavesAllOrNothing() async throws {
        let executable = BadInputCorpus.solventExecutable.path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build solvent first: \(executable)")
        try await withTemporaryDirectory { directory in
            let data = directory + "/data", file = directory + "/batch.ndjson"
            try EventLog.create(directory: data, createdTimeMs: 0, snapshotEvery: 50)
            let lines = (0..<2000).map {
                #"{"kind":"deposit","time":\#(1_700_000_000_000 + $0),"account":"a\#($0)","amount":"1","ref":"r\#($0)"}"#
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            // One undisturbed run measures how long a whole append takes here.
            let copy = directory + "/probe"
            try EventLog.create(directory: copy, createdTimeMs: 0, snapshotEvery: 50)
            let start = ContinuousClock.now
            try #require(try BadInputCorpus.cliAppend(dataDirectory: copy, file: file).status == 0)
            let fullRun = ContinuousClock.now - start
            // Records of the whole batch: inputs plus what the snapshot boundaries add.
            let batchRecords = try EventLog(directory: copy).lastSeq
            var outcomes: [UInt64] = []
            for fraction in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.1] {
                let before = try EventLog(directory: data).lastSeq
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["append", "--data", data, file]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                try await Task.sleep(for: fullRun * fraction)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let journal = try Journal(directory: data)  // Refuses a snapshot that does not re-derive.
                let after = journal.log.lastSeq
                #expect(after == before || after == before + batchRecords.rawValue, "partial batch: \(before) → \(after)")
                #expect(try journal.log.verifyChain() == .ok(count: after.rawValue, head: journal.log.headHash))
                outcomes.append(after.rawValue - before.rawValue)
                if after > before { break }  // The ref/account names would now repeat; one commit seen is enough.
            }
            #expect(!outcomes.isEmpty)
        }
    }
}
