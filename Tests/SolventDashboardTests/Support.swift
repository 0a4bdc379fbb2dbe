import Foundation
import Logging
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
