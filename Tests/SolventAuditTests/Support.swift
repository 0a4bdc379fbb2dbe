import Foundation
import SolventAudit
import SolventCore
import SolventStore
import SolventTestSupport
import Testing

/// The repository root, for fixtures.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ path: String) -> String { repositoryRoot.appendingPathComponent(path).path }

/// Runs `body` with a fresh directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-audit-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The inputs of an NDJSON scenario file.
func scenarioInputs(_ path: String) throws -> [JournalInput] {
    let text = try String(contentsOfFile: fixture(path), encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
        return JournalInput(time: try #require(time), event: event)
    }
}

/// A log in `directory` holding `inputs`, written through the real write path under
/// `defaultTestRules` (the worked examples' inputs rely on the defaults of rules 1–2).
@discardableResult
func makeLog(_ directory: String, inputs: [JournalInput], snapshotEvery: UInt64? = nil) throws -> Journal {
    try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: snapshotEvery, rules: defaultTestRules)
    let journal = try Journal(directory: directory)
    try journal.append(inputs)
    return journal
}

/// Every record of a log, decoded.
func allRecords(_ log: EventLog) throws -> [Record] {
    var records: [Record] = []
    try log.read { reader in try reader.forEach { records.append(try RecordCodec.decode($0.bytes)); return true } }
    return records
}

/// Inputs at one-second steps from `t0`.
func timed(_ events: [Event], from t0: TimeMs = 1_700_000_000_000, stepMs: Int64 = 1_000) -> [JournalInput] {
    events.enumerated().map { JournalInput(time: t0 + Int64($0.offset) * stepMs, event: $0.element) }
}
