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
