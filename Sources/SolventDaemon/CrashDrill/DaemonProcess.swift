import Foundation
import SolventServer

/// A `solventd` child process: started, waited for, killed. For the crash drill and the tests.
public final class DaemonProcess: @unchecked Sendable {
    public let process: Process
    public let socketPath: String

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
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
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
            if answered == true { return true }
            // Gives up only when an attempt begun after the deadline failed too: in a busy test
            // process one attempt's answer can arrive a minute late (the cooperative threads taken
            // by CPU-bound tests), long after the daemon began serving.
            guard began < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
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
