import NIOPosix
import NIOCore
import Foundation
import SolventCore
import SolventProtocol
import SolventServer
import SolventStore
import Testing

/// The receipt clock of the tests: after every time in Fixtures/scenarios/basic.ndjson.
let testNowMs: TimeMs = 1_700_000_100_000

/// A short temporary directory (Unix socket paths are limited to ~107 bytes), removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "/tmp/solvent-server-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Runs `body` against a server on `directory`/solventd.sock and data in `directory`/data, then
/// shuts the server down gracefully (also when `body` throws).
func withServer<T>(in directory: String, _ body: (String) async throws -> T) async throws -> T {
    try await withRunningServer(in: directory) { _, socket in try await body(socket) }
}

/// `withServer` with the server itself at hand (counts, gauges) and a chosen subscriber backlog.
func withRunningServer<T>(
    in directory: String, subscriberBacklogRecords: Int = SubscriptionHub.defaultBacklogRecords,
    eventLoopGroup: (any EventLoopGroup)? = nil, _ body: (SolventServer, String) async throws -> T
) async throws -> T {
    let socket = directory + "/solventd.sock"
    let server = try await SolventServer.start(socketPath: socket, dataDirectory: directory + "/data", nowMs: { testNowMs },
                                               subscriberBacklogRecords: subscriberBacklogRecords, eventLoopGroup: eventLoopGroup)
    do {
        let result = try await body(server, socket)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// Runs `body` against a server with `options` on a new temporary directory (socket
/// solventd.sock, data in data/), then shuts it down gracefully (also when `body` throws).
func withServer<T>(options: ServerOptions, _ body: (String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let socket = directory + "/solventd.sock"
        let server = try await SolventServer.start(listener: .path(socket), dataDirectory: directory + "/data",
                                                   options: options, nowMs: { testNowMs })
        do {
            let result = try await body(socket)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }
}

/// Sends `requests` pipelined on one new connection; returns the parsed replies in order.
func exchange(_ socket: String, _ requests: [String]) async throws -> [JSONValue] {
    try await exchangeLines(socket, requests).map { try JSONParser.parse($0) }
}

func exchangeLines(_ socket: String, _ requests: [String]) async throws -> [String] {
    try await LineClient.withConnection(socketPath: socket) { client in try await client.exchange(requests) }
}

func appendRequest(key: String, event: String) -> String {
    #"{"op":"append","key":"\#(key)","event":\#(event)}"#
}

func deposit(_ account: String, _ amount: String, ref: String) -> String {
    #"{"kind":"deposit","account":"\#(account)","amount":"\#(amount)","ref":"\#(ref)"}"#
}

/// The basic scenario's events, one JSON object per line, with their times.
func basicScenario() throws -> [String] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios/basic.ndjson")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

func string(_ value: JSONValue?) -> String? {
    if case .string(let text)? = value { text } else { nil }
}

func number(_ value: JSONValue?) -> UInt64? {
    if case .number(let text)? = value { UInt64(text) } else { nil }
}

func errorCode(_ reply: JSONValue) -> String? { string(reply["error"]?["code"]) }

/// Checks the log in `dataDirectory` from genesis: the hash chain and a full re-derivation.
func expectLogVerifies(_ dataDirectory: String, records: UInt64) throws {
    let log = try EventLog(directory: dataDirectory)
    guard case .ok(let count, let head) = try log.verifyChain() else {
        Issue.record("hash chain broken")
        return
    }
    #expect(count == records)
    #expect(head == log.headHash)
    var replay = Rederivation(stateRoots: log.stateRoots)
    var mismatch: ReplayMismatch?
    try log.read { reader in
        try reader.forEach { stored in
            mismatch = replay.feed(stored.bytes)
            return mismatch == nil
        }
    }
    #expect(mismatch == nil)
    #expect(replay.finish() == nil)
}

/// The scenario in Fixtures/scenarios/`name`.ndjson, one event JSON per line.
func scenario(_ name: String) throws -> [String] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios/\(name).ndjson")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

/// Every record of the log in `dataDirectory` as `solvent log --json` prints it.
func logLines(_ dataDirectory: String) throws -> [String] {
    let log = try EventLog(directory: dataDirectory)
    var lines: [String] = []
    try log.read { reader in
        try reader.forEach { stored in
            lines.append(JSONWriter.string(RecordJSON.json(try RecordCodec.decode(stored.bytes))))
            return true
        }
    }
    return lines
}

/// Waits (polling, at most `seconds`) until `condition` holds; false if it never did.
func eventually(seconds: Double = 10, _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Whether a test that needs a capability of the machine (a tmpfs mount, root, a program) runs:
/// in CI (`CI=true`) always, so a missing capability fails the test instead of hiding a
/// regression behind a skip; elsewhere only where the capability is there.
func runsHere(needing available: Bool) -> Bool {
    available || ProcessInfo.processInfo.environment["CI"] == "true"
}
