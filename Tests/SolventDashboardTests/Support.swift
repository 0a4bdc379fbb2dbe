import Foundation
import Hummingbird
import Logging
import SolventBench
import SolventProtocol
import Synchronization
import SolventCore
import SolventDashboard
import SolventStore
import SolventTestSupport
import Testing

/// The repository root, for fixtures.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A short temporary directory (Unix socket paths are limited to ~107 bytes), removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "/tmp/solvent-dash-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A log in `directory` holding Fixtures/scenarios/`name`.ndjson, written through the real
/// write path; returns the seq of its first `liquidation.started`, if any.
@discardableResult
func scenarioLog(_ directory: String, _ name: String = "liquidation") throws -> Seq? {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/scenarios/\(name).ndjson"), encoding: .utf8)
    let inputs = try text.split(separator: "\n").map { line in
        let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
        return JournalInput(time: try #require(time), event: event)
    }
    try EventLog.create(directory: directory, createdTimeMs: 0, rules: defaultTestRules)
    let journal = try Journal(directory: directory)
    try journal.append(inputs)
    var first: Seq?
    try journal.log.read { reader in
        try reader.forEach { stored in
            if case .liquidationStarted = try RecordCodec.decode(stored.bytes).event { first = stored.seq; return false }
            return true
        }
    }
    return first
}

func dashboard(_ data: String, socket: String? = nil, listen: String = "127.0.0.1:0", token: String? = nil) throws -> Dashboard {
    var logger = Logger(label: "test.dashboard")
    logger.logLevel = .warning
    return try Dashboard(options: .init(dataDirectory: data, socketPath: socket, listen: try ListenAddress(listen), token: token),
                         logger: logger)
}

/// The built product `name` beside this test binary (swift build puts every product in one directory).
func productPath(_ name: String) throws -> String {
    let tests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = tests.deletingLastPathComponent()
    while !directory.path.isEmpty && directory.path != "/" {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw TestSetupError("\(name) is not built next to the tests (\(tests.path)); run `swift build` first")
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A real `solventd` (clock off: only the feeder moves the log) on a fresh log in `directory`,
/// fed the liquidation scenario up to its crash price, for the tests that follow a live daemon.
struct LiveDaemon {
    let directory: String
    var data: String { directory + "/data" }
    var socket: String { directory + "/solventd.sock" }
    let daemon: DaemonProcess
    /// The scenario's events, and the index of the price that liquidates.
    let lines: [String]
    let crash: Int

    static func start(in directory: String) async throws -> LiveDaemon {
        try EventLog.create(directory: directory + "/data", createdTimeMs: 0)
        try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/solventd.json"))
        let lines = try scenarioLines()
        let live = LiveDaemon(directory: directory, daemon: try Self.daemon(in: directory), lines: lines,
                              crash: try #require(lines.firstIndex { $0.contains(#""price":"9030""#) }))
        #expect(await live.daemon.waitUntilServing())
        try await feed(live.socket, Array(lines[..<live.crash]), keyPrefix: "setup")
        return live
    }

    /// Another daemon on the same log and socket (after this one was killed).
    func startDaemon() throws -> DaemonProcess { try Self.daemon(in: directory) }

    private static func daemon(in directory: String) throws -> DaemonProcess {
        try DaemonProcess(executable: try productPath("solventd"),
                          arguments: ["--data", directory + "/data", "--socket", directory + "/solventd.sock",
                                      "--config", directory + "/solventd.json"],
                          socketPath: directory + "/solventd.sock", logPath: directory + "/solventd.log")
    }
}

/// Serves `dashboard` (its follower included) on a free loopback port until the task is
/// cancelled; returns once it is following its daemon.
func serve(_ dashboard: Dashboard, router: Router<BasicRequestContext>? = nil) async throws -> (Task<Void, any Error>, Int) {
    let port = Mutex<Int?>(nil)
    let handed = HandedOver(router)
    let server = Task { try await dashboard.run(router: handed.value, signals: []) { channel in port.withLock { $0 = channel.localAddress?.port } } }
    let bound = try await wait("the server's port") { port.withLock { $0 } }
    _ = try await wait("the dashboard following the daemon") { dashboard.board.isLive ? true : nil }
    return (server, bound)
}

/// The liquidation scenario's events, one per line.
func scenarioLines() throws -> [String] {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/scenarios/liquidation.ndjson"), encoding: .utf8)
        .split(separator: "\n").map(String.init)
}

/// Appends `events` through the daemon's socket, each with its own key; every one acknowledged.
func feed(_ socket: String, _ events: [String], keyPrefix: String) async throws {
    let requests = events.enumerated().map { #"{"op":"append","key":"\#(keyPrefix)-\#($0.offset)","event":\#($0.element)}"# }
    let replies = try await LineClient.withConnection(socketPath: socket) { try await $0.exchange(requests) }
    #expect(replies.count == requests.count)
    for reply in replies { #expect(reply.contains(#""ok":true"#), "\(reply)") }
}

/// Polls `value` every 50 ms until it is non-nil, failing after `timeout` (with what `lines`
/// collected, if given).
func wait<T>(_ what: String, timeout: Duration = .seconds(10), lines: LineReader? = nil, _ value: () -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let found = value() { return found }
        try await Task.sleep(for: .milliseconds(50))
    }
    // Once more: under a loaded test run this task may first run again after the deadline.
    if let found = value() { return found }
    throw TestSetupError("timed out waiting for \(what)" + (lines.map { "; it printed: \($0.lines.suffix(10))" } ?? ""))
}

/// A value handed to one other task, which alone uses it from then on (a router to its server).
struct HandedOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
