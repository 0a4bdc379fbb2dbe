import Foundation
import SolventCore
import SolventProtocol
import SolventStore
import Testing

/// Every case of Fixtures/bad-input/ against a real server on a real Unix socket and through the
/// `solvent append` executable: the expected error code and field, and the log unchanged.
@Suite struct BadInputCorpusTests {
    @Test func corpusHasAtLeastFiftyCasesCoveringBothPaths() throws {
        let cases = try BadInputCorpus.load()
        #expect(cases.count >= 50)
        #expect(cases.filter(\.viaSocket).count >= 50)
        #expect(cases.filter(\.viaCLI).count >= 50)
        #expect(Set(cases.map(\.name)).count == cases.count, "case names are unique")
    }

    @Test(arguments: ["basic", "liquidation"])
    func everySocketCaseIsRefusedAndChangesNothing(setup: String) async throws {
        let cases = try BadInputCorpus.load().filter { $0.setup == setup && $0.viaSocket }
        try #require(!cases.isEmpty)
        try await withTemporaryDirectory { directory in
            try BadInputCorpus.prepare(directory + "/data", setup: setup)
            let storedSeq = try Journal(directory: directory + "/data").seq(forKey: "setup-5")
            try await withServer(in: directory) { socket in
                for item in cases {
                    let before = try await exchange(socket, [#"{"op":"status"}"#])[0]
                    let reply = try await send(item.socketLine, to: socket)
                    let after = try await exchange(socket, [#"{"op":"status"}"#])[0]
                    #expect(after == before, "\(item.name): the log changed")
                    guard let reply else {
                        Issue.record("\(item.name): no reply before the connection closed")
                        continue
                    }
                    if item.expect == "stored_answer" {
                        #expect(reply["ok"] == .bool(true), "\(item.name): \(JSONWriter.string(reply))")
                        #expect(number(reply["seq"]) == storedSeq?.rawValue, "\(item.name): not the stored answer")
                        continue
                    }
                    let got = "\(errorCode(reply) ?? "-") field \(string(reply["error"]?["field"]) ?? "-")"
                    #expect(got == "\(item.code ?? "?") field \(item.field ?? "-")", "\(item.name): \(JSONWriter.string(reply))")
                }
            }
        }
    }

    @Test(arguments: ["basic", "liquidation"])
    func everyCLICaseIsRefusedAndChangesNothing(setup: String) async throws {
        let cases = try BadInputCorpus.load().filter { $0.setup == setup && $0.viaCLI }
        try #require(!cases.isEmpty)
        let executable = BadInputCorpus.solventExecutable.path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build solvent first: \(executable)")
        try await withTemporaryDirectory { directory in
            let data = directory + "/data"
            try BadInputCorpus.prepare(data, setup: setup)
            for item in cases {
                let (seqBefore, headBefore) = try logHead(data)
                let file = directory + "/case.ndjson"
                try Data(item.event! + [UInt8(ascii: "\n")]).write(to: URL(fileURLWithPath: file))
                let (status, stderr) = try BadInputCorpus.cliAppend(dataDirectory: data, file: file)
                #expect(status != 0, "\(item.name): accepted")
                let expected = "line 1: " + (item.field.map { "field \($0): " } ?? "")
                #expect(stderr.hasPrefix("Error: " + expected) && stderr.contains("[\(item.code ?? "?")]; nothing appended"),
                        "\(item.name): expected \(item.code ?? "?") field \(item.field ?? "-"), got \(stderr)")
                let (seqAfter, headAfter) = try logHead(data)
                #expect(seqAfter == seqBefore && headAfter == headBefore, "\(item.name): the log changed")
            }
        }
    }

    /// One raw line on a fresh connection; the reply, or nil if the server closed first.
    private func send(_ line: [UInt8], to socket: String) async throws -> JSONValue? {
        try await LineClient.withConnection(socketPath: socket) { client in
            try await client.send(raw: line + [UInt8(ascii: "\n")])
            return try await client.receive().map { try JSONParser.parse($0) }
        }
    }

    private func logHead(_ data: String) throws -> (Seq, [UInt8]) {
        let log = try EventLog(directory: data)
        return (log.lastSeq, log.headHash)
    }
}
