import Foundation
import SolventCore
import SolventServer
import SolventStore
import Testing

/// `solvent send --batch N` (issue 24): the same file sent as batch appends makes the same log
/// as one append per event, with one reply line per batch and each refused event named by line.
@Suite struct SendBatchTests {
    static let events = [
        #"{"kind":"deposit","time":1700000000000,"account":"alice","amount":"100","ref":"a"}"#,
        #"{"kind":"deposit","time":1700000000000,"account":"bob","amount":"-1","ref":"b"}"#,
        #"{"kind":"deposit","time":1700000000001,"account":"carol","amount":"7","ref":"c"}"#,
        #"not json"#,
        #"{"kind":"deposit","time":1700000000002,"account":"dave","amount":"9","ref":"d"}"#,
    ]

    private func send(_ extra: [String], in directory: String) async throws -> (ToolRun, [String]) {
        let socket = directory + "/s.sock", file = directory + "/events.ndjson"
        try (Self.events.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let server = try await SolventServer.start(listener: .path(socket), dataDirectory: directory + "/data")
        let run = try ToolRun.run(try productPath("solvent"), ["send", "--socket", socket, "--key-prefix", "k"] + extra + [file])
        try await server.shutdown()
        let log = try EventLog(directory: directory + "/data")
        var records: [String] = []
        try log.read { reader in
            try reader.forEach { stored in
                records.append(JSONWriter.string(RecordJSON.json(try RecordCodec.decode(stored.bytes))))
                return true
            }
        }
        return (run, records)
    }

    @Test func batchesMakeTheSameLogAsSingleAppendsAndNameEachRefusal() async throws {
        try await withTemporaryDirectory { single in
            try await withTemporaryDirectory { batched in
                let (one, oneLog) = try await send([], in: single)
                let (many, manyLog) = try await send(["--batch", "2"], in: batched)
                #expect(one.status == 1 && many.status == 1, "\(one)\n\(many)")  // two events are refused
                #expect(oneLog.count == 3 && manyLog == oneLog)
                let replies = try many.jsonLines()
                #expect(replies.count == 3, "\(many)")  // lines 1–2, 3–4 (4 is not JSON), 5
                #expect(replies[0]["key"] == .string("k-1") && replies[2]["key"] == .string("k-5"))
                for line in ["line 2:", "line 4:"] { #expect(many.stderr.contains(line), "\(many)") }
                #expect(!many.stderr.contains("line 1:") && !many.stderr.contains("line 3:"))
            }
        }
    }

    @Test func aBatchSizeOutOfRangeIsRefusedBeforeSending() throws {
        let run = try ToolRun.run(try productPath("solvent"), ["send", "--batch", "8191", "-"])
        #expect(run.status != 0 && run.stderr.contains("--batch must be 1 to 8190"), "\(run)")
    }
}
