import Foundation
import Synchronization

/// A one-member etcd run as a child process on free 127.0.0.1 ports, for the tests and the
/// cluster drill (never for production: its data lives in the directory it is given). Its
/// stdout and stderr go to `<directory>/etcd.log` (`logPath`), for a failing test to print.
/// `stop()` or `deinit` ends it.
public final class LocalEtcd: @unchecked Sendable {
    /// The client URL, e.g. `"http://127.0.0.1:41234"`.
    public let endpoint: String
    public let logPath: String
    // Process is not Sendable; it is only read (isRunning, pid) and signalled, and the
    // stopping flag makes `stop()` run once.
    let process: Process
    let stopping = Mutex(false)

    /// Tries at most this many port pairs: a port free when probed can be taken before etcd binds it.
    static let launchAttempts = 3

    /// Starts etcd (found on the PATH) with `<directory>/etcd` as its data directory and returns
    /// once its client endpoint answers a read, within about 10 s.
    public static func start(directory: String) async throws -> LocalEtcd {
        guard let executable = executablePath() else { throw LocalEtcdError.notInstalled }
        let logPath = directory + "/etcd.log"
        for attempt in 1...launchAttempts {
            let etcd = try LocalEtcd(executable: executable, directory: directory, logPath: logPath)
            switch await etcd.waitUntilAnswering(timeout: .seconds(10)) {
            case .answering:
                return etcd
            case .exited where attempt < launchAttempts:
                try? FileManager.default.removeItem(atPath: directory + "/etcd")
            case .exited:
                throw LocalEtcdError.exited(logPath: logPath, log: tail(of: logPath))
            case .silent:
                etcd.stop()
                throw LocalEtcdError.notAnswering(logPath: logPath, log: tail(of: logPath))
            }
        }
        preconditionFailure("the last launch attempt returns or throws")
    }

    /// The `etcd` executable on the PATH, or nil (tools/ensure-etcd installs Debian's etcd-server).
    public static func executablePath() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/etcd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init(executable: String, directory: String, logPath: String) throws {
        let clientPort = try freeLoopbackPort()
        let peerPort = try freeLoopbackPort()
        endpoint = "http://127.0.0.1:\(clientPort)"
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Self.arguments(directory: directory, client: endpoint, peer: "http://127.0.0.1:\(peerPort)")
        // ETCD_* variables would override the flags (a copied /etc/default/etcd, say).
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD_") }
        let log = try Self.appendingHandle(logPath)
        process.standardOutput = log
        process.standardError = log
        try withSignalsUnblocked { try process.run() }
    }

    static func arguments(directory: String, client: String, peer: String) -> [String] {
        let name = "solvent-local"
        return [
            "--name", name,
            "--data-dir", directory + "/etcd",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "\(name)=\(peer)", "--initial-cluster-state", "new",
        ]
    }

    private static func appendingHandle(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        return handle
    }

    deinit { stop() }
}
