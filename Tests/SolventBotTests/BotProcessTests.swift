import Foundation
import SolventBot
import SolventBotPolicy
import SolventCore
import SolventServer
import Testing

/// The `solvent bot` executable as the demo spawns it: flags, a bid through the real binary, and
/// a clean exit (status 0) on SIGTERM.
@Suite struct BotProcessTests {
    @Test func theBotProcessBidsAndExitsCleanlyOnSigterm() async throws {
        try await withTemporaryDirectory { directory in
            let (server, socket, auction) = try await aliceLiquidated(directory, bidder: "bot1", capital: "100000")
            let logPath = directory + "/bot.log"
            #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try solventPath())
            process.arguments = ["bot", "--socket", socket, "--account", "bot1", "--discount", "0.02", "--max-notional", "100000",
                                 "--reaction-ms", "1000", "--from", "1", "--log-level", "debug"]
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            try process.run()
            #expect(try await eventually { server.subscriberCount == 1 })
            try await append(socket, [Script.clock(at: Script.t0 + 44_000)], prefix: "step4")
            #expect(try await eventually { try await records(socket).contains { isFill($0, bidder: "bot1") } })
            process.terminate()  // SIGTERM
            // Polled, not `waitUntilExit()`: that would block a cooperative thread (it spins a run
            // loop) that the tests running beside this one need.
            #expect(try await eventually { !process.isRunning })
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
            let log = try String(contentsOfFile: logPath, encoding: .utf8)
            #expect(log.contains("bid auction=\(auction) qty=1 price=8759.48289598 limit=8761.2"))
            #expect(log.contains("bot stop"))
            try await server.shutdown()
        }
    }
}

/// The `solvent` built beside this test binary (swift build puts every product in one directory).
func solventPath() throws -> String {
    let tests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = tests.deletingLastPathComponent()
    while !directory.path.isEmpty && directory.path != "/" {
        let candidate = directory.appendingPathComponent("solvent").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw BotError("solvent is not built next to the tests (\(tests.path)); run `swift build` first")
}
