import Foundation
import SolventCluster
import Testing

/// Under CI=true a missing etcd fails the tests instead of skipping them (tools/test installs it).
let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
let etcdInstalled = LocalEtcd.executablePath() != nil

/// A temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "solvent-etcd-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A fresh etcd of the test's own (never the system's on 2379) and a client of it; etcd's log is
/// printed when `body` throws, and etcd is stopped either way.
func withLocalEtcd<T>(_ body: (LocalEtcd, EtcdClient) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let etcd = try await LocalEtcd.start(directory: directory)
        defer { etcd.stop() }
        do {
            return try await body(etcd, EtcdClient(endpoints: [etcd.endpoint]))
        } catch {
            let log = (try? String(contentsOfFile: etcd.logPath, encoding: .utf8)) ?? "(no log)"
            print("etcd's log (\(etcd.logPath)):\n\(log.split(separator: "\n").suffix(40).joined(separator: "\n"))")
            throw error
        }
    }
}

/// Polls `condition` every 100 ms until it holds; false if `timeout` passes first.
func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
