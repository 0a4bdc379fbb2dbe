import Foundation
import SolventCore
import SolventProtocol
import SolventSim

/// One run of `solvent demo`: the daemon, the log subscription behind the view, the feed, the
/// bots, then the orderly stop and the audit commands.
struct DemoSession {
    let plan: DemoPlan
    let speed: Double
    let directory: String
    let children: DemoChildren
    let tally = DemoTally()

    var socket: String { directory + "/solventd.sock" }

    func run() async throws {
        try await startDaemon()
        let subscription = Task { try await follow() }
        let terminal = isatty(STDOUT_FILENO) == 1
        var view = DemoView(plan: plan, speed: speed, terminal: terminal)
        let started = ContinuousClock.now
        let (moment, feed) = try await LineClient.withConnection(socketPath: socket) { client in
            var feed = DemoFeed(plan: plan, speed: speed, tally: tally)
            let setUpSeq = try await feed.setUp(client)
            print("set up: \(plan.market) listed, \(plan.traderCount) traders and \(plan.population.bots.count) bots funded, "
                  + "insurance fund \(plan.population.insuranceDeposit) (seq 1-\(setUpSeq))")
            try await startBots()
            print("playing \(plan.fileName) from \(UTCTime.format(ms: plan.path.startMs)) to \(UTCTime.format(ms: plan.endMs)) "
                  + "at \(DemoView.decimal(speed))× real time")
            fflush(nil)
            let moment = try await feed.play(client) { moment in
                try checkDaemon()
                var moment = moment
                moment.bots = children.startedBots.map { ($0.name, $0.exitStatus) }
                view.update(moment, await tally.snapshot)
                if !terminal { fflush(nil) }
            }
            return (moment, feed)
        }
        let elapsed = ContinuousClock.now - started
        let lastSeq = try await status()
        await catchUp(to: lastSeq)
        var last = moment
        last.bots = children.startedBots.map { ($0.name, $0.exitStatus) }
        view.update(last, await tally.snapshot, final: true)
        DemoView.restoreTerminal()
        try await finish(moment: moment, feed: feed, subscription: subscription, elapsed: elapsed)
    }

    // MARK: the daemon

    /// solventd from this executable's directory, its clock off (every input carries its market
    /// time), snapshots every 10,000 records so `verify` checks some, its log beside the data.
    private func startDaemon() async throws {
        let config = directory + "/solventd.json"
        let json = #"{"clockIntervalMs":0,"snapshotEvery":10000,"logLevel":"info"}"#
        guard FileManager.default.createFile(atPath: config, contents: Data(json.utf8)) else {
            throw CommandFailure(message: "cannot write \(config)")
        }
        let executable = URL(fileURLWithPath: Self.ownExecutable()).deletingLastPathComponent().appendingPathComponent("solventd").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CommandFailure(message: "solventd is not beside solvent (\(executable)); build both: swift build --product solventd")
        }
        let daemon = try DemoChild(name: "solventd", executable: executable,
                                   arguments: ["--data", directory, "--config", config],
                                   logPath: directory + "/solventd.log")
        try await children.start(daemon, isDaemon: true)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            try checkDaemon()
            if (try? await status()) != nil {
                print("solventd running (pid \(daemon.pid)), socket \(socket)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CommandFailure(message: "solventd did not answer status within 60 s; see \(daemon.logPath)")
    }

    private func checkDaemon() throws {
        guard let daemon = children.daemonChild else { return }
        if let status = daemon.exitStatus {
            throw CommandFailure(message: "solventd exited with status \(status); see \(daemon.logPath)")
        }
    }

    /// The log's last seq; the fund's equity at the marks too, so the summary after the bots'
    /// last bids shows the figure as it ends.
    private func status() async throws -> Seq {
        let replies = try await LineClient.withConnection(socketPath: socket) { client in
            try await DemoFeed.exchange(client, [DemoRequests.status, DemoRequests.account(.insurance)])
        }
        guard let seq = DemoTally.seq(replies.first?["seq"]) else { throw CommandFailure(message: "status without a seq") }
        if let equity = DemoTally.money(replies.last?["equity"]) { await tally.setInsurance(equity) }
        return seq
    }

    // MARK: the view's source

    /// Every record from seq 1, folded into the tally, until the daemon closes the connection.
    private func follow() async throws {
        try await LineClient.withConnection(socketPath: socket) { client in
            try await client.send(raw: Array(#"{"op":"subscribe","from":1}"#.utf8) + [UInt8(ascii: "\n")])
            while let line = try await client.receive() {
                _ = await tally.observe(line: line)
            }
        }
    }

    /// Waits (up to 10 s) until the subscription has passed `seq`.
    private func catchUp(to seq: Seq) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while await tally.lastSeq < seq && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: the bots

    /// One `solvent bot` per bot of the population, each with its profile's discount, its
    /// capital as the largest notional of one bid, and its reaction delay (log time).
    private func startBots() async throws {
        for bot in plan.population.bots {
            let arguments = [
                "bot", "--socket", socket, "--account", bot.id.description,
                "--discount", bot.discount.description, "--max-notional", bot.capital.description,
                "--reaction-ms", String(bot.delayMs), "--from", "1", "--log-level", "info",
            ]
            let child = try DemoChild(name: bot.id.description, executable: Self.ownExecutable(), arguments: arguments,
                                      logPath: directory + "/\(bot.id).log")
            try await children.start(child, isDaemon: false)
            print("bot \(bot.id) (pid \(child.pid)): capital \(bot.capital), discount \(bot.discount), "
                  + "reaction \(bot.delayMs / 1000) s; log \(child.logPath)")
        }
    }

    // MARK: the end

    private func finish(moment: DemoMoment, feed: DemoFeed, subscription: Task<Void, Error>,
                        elapsed: Duration) async throws {
        let bots = children.stopBots()
        // Bids the bots sent last are in the log too: let the view see them before the stop.
        await catchUp(to: try await status())
        let daemonStatus = children.stopDaemon()
        _ = try? await subscription.value
        let f = await tally.snapshot
        let hours = Double(moment.marketMs + plan.stepMs - plan.path.startMs) / 3_600_000
        print("")
        print("played \(String(format: "%.1f", hours)) h of market time in \(String(format: "%.1f", Self.seconds(elapsed))) s; "
              + "log seq \(f.lastSeq)")
        print("liquidations \(f.liquidationsStarted) started, \(f.liquidationsFinished) finished on \(f.liquidatedAccounts) accounts; "
              + "fills \(f.fills) (bots \(f.fills - f.fundFills), insurance backstop \(f.fundFills)); ADL \(f.adl); bad debt \(f.badDebt); "
              + "insurance fund equity \(f.insurance.map(\.description) ?? "?") at the marks (deposited \(plan.population.insuranceDeposit))")
        if feed.refused > 0 { print("inputs refused during playback: \(feed.refused), the first: \(feed.firstRefusal ?? "")") }
        if !bots.isEmpty { print("bots stopped: " + bots.map { "\($0.name) (exit \($0.status))" }.joined(separator: ", ")) }
        print("solventd stopped with SIGTERM: exit \(daemonStatus.map(String.init) ?? "?")")
        print("")
        print("data directory: \(directory)  (solventd.log and the bots' logs beside the log)")
        print("audit it (solvent is \(Self.ownExecutable())):")
        print("  solvent --data \(directory) verify")
        print("  solvent --data \(directory) replay --list")
        if let id = f.auditLiquidation {
            print("  solvent --data \(directory) replay --liquidation \(id) --html out.html")
        } else {
            print("  (no liquidation finished in this run: try a longer path or more --accounts)")
        }
        guard daemonStatus == 0 else { throw CommandFailure(message: "solventd did not stop cleanly; see \(directory)/solventd.log") }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// This executable's absolute path (the bots are its `bot` subcommand; solventd sits beside it).
    static func ownExecutable() -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }
}
