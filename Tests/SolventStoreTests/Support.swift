import Foundation
import SolventCore
import SolventStore
import Testing

/// Runs `body` with a fresh, empty directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("solvent-store-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Runs `body` with a newly created, opened log. The log is closed when `body` returns, as long
/// as `body` keeps no reference to it.
func withNewLog<T>(initialMapSizeBytes: Int = 1 << 26, _ body: (EventLog, String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        try EventLog.create(directory: directory, createdTimeMs: 1_700_000_000_000, initialMapSizeBytes: initialMapSizeBytes)
        return try body(try EventLog(directory: directory, initialMapSizeBytes: initialMapSizeBytes), directory)
    }
}

/// Arbitrary but seq-dependent bytes: the store is opaque to record contents.
func recordBytes(_ seq: Seq, count: Int = 100) -> [UInt8] {
    var state = seq.rawValue &* 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// Records `seqs` at time = seq * 10, each with `recordBytes`.
func records(_ seqs: ClosedRange<Seq>, count: Int = 100, key: ((Seq) -> String?)? = nil) -> [AppendRecord] {
    seqs.map { seq in
        AppendRecord(seq: seq, time: TimeMs(Int64(seq.rawValue) * 10), bytes: recordBytes(seq, count: count), requestKey: key?(seq))
    }
}

func bigEndianKey(_ seq: Seq) -> [UInt8] { withUnsafeBytes(of: seq.rawValue.bigEndian) { Array($0) } }

/// Changes one byte of a stored value behind the log's back, through a separate environment
/// (the log itself must be closed: one environment per directory per process).
func flipByte(directory: String, database name: String, key: [UInt8], at offset: (Int) -> Int) throws {
    let environment = try Environment(directory: directory)
    let database = try #require(try environment.database(named: name, create: false))
    try environment.write { transaction in
        var value = try #require(try transaction.get(database, key: key))
        value[offset(value.count)] ^= 0x5A
        try transaction.put(database, key: key, value: value)
    }
}

/// The typed error thrown by `body`, failing the test if it throws something else or nothing.
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        Issue.record("expected a StoreError, nothing was thrown")
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)")
    }
    return nil
}

/// A value shared with another thread in a test.
final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
