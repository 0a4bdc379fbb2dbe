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
            let live = try await LiveDaemon.start(in: directory)
            let first = live.daemon
            let (data, socket, lines, crash) = (live.data, live.socket, live.lines, live.crash)
            let board = try SolventDashboardTests.dashboard(data, socket: socket)
            let follower = Task { await board.follower.run() }
            defer { follower.cancel() }
            _ = try await wait("the dashboard following") { board.board.read { $2 } ? true : nil }
            first.signal(SIGKILL)
            _ = await first.waitForExit()
            _ = try await wait("the dashboard noticing") { board.board.read { $2 } ? nil : true }

            let second = try live.startDaemon()
            defer { second.signal(SIGKILL) }
            #expect(await second.waitUntilServing())
            try await feed(socket, [lines[crash]] + Array(lines[(crash + 1)...]), keyPrefix: "after")
            let head = try EventLog(directory: data, readOnly: true).lastSeq
            _ = try await wait("the dashboard at the head \(head)", timeout: .seconds(15)) {
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
    /// With a socket nobody serves (it keeps retrying), and with none (the log as it stands).
    @Test(arguments: [true, false])
    func sigtermStopsItWithStreamsOpenAndNoDaemon(socket: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let data = directory + "/data"
            try scenarioLog(data)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try productPath("solvent"))
            process.arguments = ["dashboard", "--data", data, "--listen", "127.0.0.1:0"] + (socket ? ["--socket", directory + "/absent.sock"] : [])
            let output = Pipe()
            process.standardError = output
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            // "listening on port N" on standard error.
            let lines = LineReader(output.fileHandleForReading)
            let port = try await wait("the port line", timeout: .seconds(60), lines: lines) { () -> Int? in
                if !process.isRunning { Issue.record("the dashboard exited \(process.terminationStatus): \(lines.lines)"); return -1 }
                for line in lines.lines {
                    if let range = line.range(of: "listening on port "), let port = Int(line[range.upperBound...]) { return port }
                }
                return nil
            }
            guard port > 0 else { return }
            let stream = EventStreamClient(port: port)
            let reader = Task { try await stream.run() }
            defer { reader.cancel() }
            // As long as the port line may take: the first event waits for the same start-up,
            // which under a full parallel test run took more than 10 s once.
            _ = try await wait("the first event", timeout: .seconds(60)) { stream.events > 0 ? true : nil }
            // Still serving a while later (a follower with nothing to follow must not end it).
            try await Task.sleep(for: .milliseconds(500))
            #expect(process.isRunning, "\(lines.lines.suffix(5))")
            process.terminate()  // SIGTERM
            let exited = try await wait("the dashboard's exit", timeout: .seconds(10)) { process.isRunning ? nil : true }
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
