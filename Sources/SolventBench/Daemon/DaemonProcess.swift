import Foundation
import SolventProtocol
import Synchronization

/// A `solventd` child process: started, waited for, killed. For the crash drill, the bench and
/// the tests. The executable may be a wrapper script: signals go to the process that serves the
/// socket once it is known (`waitUntilServing`), so one that runs `solventd` without `exec`
/// still stops the daemon, not only the wrapper.
public final class DaemonProcess: @unchecked Sendable {
    public let process: Process
    public let socketPath: String
    /// The pid serving the socket, learnt by `waitUntilServing`.
    private let servingPID = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`, its output appended to `logPath`; `environment`
    /// entries are added to this process's own.
    public init(executable: String, arguments: [String], socketPath: String, logPath: String,
                environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        self.socketPath = socketPath
        try Self.withSignalsUnblocked { try process.run() }
    }

    /// The daemon's pid: the one serving the socket once `waitUntilServing` saw it, else the
    /// spawned process's.
    public var pid: Int32 { servingPID.withLock { $0 } ?? process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Waits until a `status` request is answered on the socket; false if the process exits or
    /// `timeout` passes first.
    public func waitUntilServing(timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            let began = ContinuousClock.now
            let answered = try? await LineClient.withConnection(socketPath: socketPath) { client in
                try await client.exchange([#"{"op":"status"}"#]).count == 1
            }
            if answered == true {
                let listener = SocketPeer.listenerPID(path: socketPath)
                servingPID.withLock { $0 = listener }
                return true
            }
            // Gives up only when an attempt begun after the deadline failed too: in a busy test
            // process one attempt's answer can arrive a minute late (the cooperative threads taken
            // by CPU-bound tests), long after the daemon began serving.
            guard began < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Sends `signal` to the daemon, and a SIGKILL to the spawned process too when that is a
    /// wrapper around it: a killed daemon must leave nothing running behind.
    public func signal(_ signal: Int32) {
        let daemon = pid
        kill(daemon, signal)
        if signal == SIGKILL && daemon != process.processIdentifier { kill(process.processIdentifier, signal) }
    }

    /// `posix_spawn` gives the child the calling thread's signal mask, and a concurrency pool
    /// thread blocks nearly every signal: a wrapper script started from one could not be stopped
    /// by SIGTERM. The child starts with none blocked, as from a shell.
    private static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }

    /// Waits for the process to exit and returns its status; nil if `timeout` passes first.
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }
}
