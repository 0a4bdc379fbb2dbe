import Foundation
import SolventBench
import SolventCore
import SolventStore
import Synchronization
import Testing
@testable import SolventDashboard

/// The dashboard outlives the daemon: killed, it is shown as not followed; restarted, the
/// dashboard reconnects and catches up from its last seq, including what was committed while it
/// was away.
@Suite(.serialized) struct RestartTests {
    @Test func theDashboardReconnectsAndCatchesUpWhenTheDaemonRestarts() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory + "/data", socket = directory + "/solventd.sock"
            try EventLog.create(directory: data, createdTimeMs: 0)
            try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/solventd.json"))
            func start() throws -> DaemonProcess {
                try DaemonProcess(executable: try productPath("solventd"),
                                  arguments: ["--data", data, "--socket", socket, "--config", directory + "/solventd.json"],
                                  socketPath: socket, logPath: directory + "/solventd.log")
            }
            let first = try start()
            #expect(await first.waitUntilServing())
            let lines = try BrowserTests.scenarioLines()
            let crash = try #require(lines.firstIndex { $0.contains(#""price":"9030""#) })
            try await BrowserTests.feed(socket, Array(lines[..<crash]), keyPrefix: "setup")

            let board = try SolventDashboardTests.dashboard(data, socket: socket)
            let follower = Task { await board.follower.run() }
            defer { follower.cancel() }
            _ = try await BrowserTests.wait("the dashboard following") { board.board.read { $2 } ? true : nil }
            first.signal(SIGKILL)
            _ = await first.waitForExit()
            _ = try await BrowserTests.wait("the dashboard noticing") { board.board.read { $2 } ? nil : true }

            let second = try start()
            defer { second.signal(SIGKILL) }
            #expect(await second.waitUntilServing())
            try await BrowserTests.feed(socket, [lines[crash]] + Array(lines[(crash + 1)...]), keyPrefix: "after")
            let head = try EventLog(directory: data, readOnly: true).lastSeq
            _ = try await BrowserTests.wait("the dashboard at the head \(head)", timeout: .seconds(15)) {
                board.board.lastSeqSeen == head ? true : nil
            }
            #expect(board.board.read { $2 }, "following again")
            #expect(board.board.read { _, history, _ in history.liquidationCount } > 0)
            // The board equals a ledger built from the log from scratch.
            let fresh = try SolventDashboardTests.dashboard(data)
            #expect(fresh.board.read { ledger, _, _ in ledger } == board.board.read { ledger, _, _ in ledger })
        }
    }
}

/// `solvent dashboard` as an operator runs it: SIGTERM stops it, with event streams open and its
/// daemon gone, promptly and with exit 0.
@Suite(.serialized) struct DashboardProcessTests {
    @Test func sigtermStopsItWithStreamsOpenAndNoDaemon() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory + "/data"
            try scenarioLog(data)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try productPath("solvent"))
            process.arguments = ["dashboard", "--data", data, "--socket", directory + "/absent.sock", "--listen", "127.0.0.1:0"]
            let output = Pipe()
            process.standardError = output
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            // "listening on port N" on standard error.
            let lines = LineReader(output.fileHandleForReading)
            let port = try await BrowserTests.wait("the port line", timeout: .seconds(30)) { () -> Int? in
                for line in lines.lines {
                    if let range = line.range(of: "listening on port "), let port = Int(line[range.upperBound...]) { return port }
                }
                return nil
            }
            let stream = EventStreamClient(port: port)
            let reader = Task { try await stream.run() }
            defer { reader.cancel() }
            _ = try await BrowserTests.wait("the first event") { stream.events > 0 ? true : nil }
            process.terminate()  // SIGTERM
            let exited = try await BrowserTests.wait("the dashboard's exit", timeout: .seconds(10)) { process.isRunning ? nil : true }
            #expect(exited && process.terminationStatus == 0, "\(lines.lines.suffix(5))")
            #expect(lines.lines.filter { $0.contains("daemon unreachable") }.count <= 1, "a retry is not a warning each time")
        }
    }
}

/// Collects a pipe's lines on a background thread.
final class LineReader: Sendable {
    private let collected = Mutex<[String]>([])

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var pending = ""
            while case let data = handle.availableData, !data.isEmpty {
                pending += String(decoding: data, as: UTF8.self)
                while let end = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<end])
                    self.collected.withLock { $0.append(line) }
                    pending.removeSubrange(...end)
                }
            }
        }
    }

    var lines: [String] { collected.withLock { $0 } }
}
