import Foundation
import SolventCore
import SolventProtocol
import SolventStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A short temporary directory (Unix socket paths are limited to ~107 bytes), removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "/tmp/solvent-daemon-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The `solventd` built beside this test binary (swift build puts every product in one directory).
func solventdPath() throws -> String { try productPath("solventd") }

/// The executable product `name` built beside this test binary.
func productPath(_ name: String) throws -> String {
    let tests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = tests.deletingLastPathComponent()
    // On Linux the test binary is `<bin>/SolventPackageTests.xctest`; on macOS it sits inside a bundle.
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

/// The fixtures' scenario `name` (e.g. "basic"), one event per line.
func scenario(_ name: String) throws -> [String] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios/\(name).ndjson")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

func appendRequest(key: String, event: String) -> String {
    #"{"op":"append","key":"\#(key)","event":\#(event)}"#
}

func exchange(_ socket: String, _ requests: [String]) async throws -> [JSONValue] {
    try await LineClient.withConnection(socketPath: socket) { client in try await client.exchange(requests) }
        .map { try JSONParser.parse($0) }
}

func number(_ value: JSONValue?) -> UInt64? {
    if case .number(let text)? = value { UInt64(text) } else { nil }
}

/// A bound datagram socket standing in for systemd's notify socket; `@name` binds in the abstract
/// namespace.
final class NotifySocket {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestSetupError("bind \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// The next datagram, or nil after `timeoutMs` without one.
    func receive(timeoutMs: Int32 = 30_000) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// Datagrams until one contains `field` (e.g. "READY=1"); all of them, in order.
    func receive(until field: String, timeoutMs: Int32 = 30_000) -> [String] {
        var messages: [String] = []
        while let message = receive(timeoutMs: timeoutMs) {
            messages.append(message)
            if message.split(separator: "\n").contains(Substring(field)) { break }
        }
        return messages
    }
}

/// Whether a test that needs a capability of the machine (a tmpfs mount, root, a program) runs:
/// in CI (`CI=true`) always, so a missing capability fails the test instead of hiding a
/// regression behind a skip; elsewhere only where the capability is there.
func runsHere(needing available: Bool) -> Bool {
    available || ProcessInfo.processInfo.environment["CI"] == "true"
}
