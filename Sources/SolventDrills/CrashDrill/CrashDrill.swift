import Foundation
import SolventBench
import SolventCore
import SolventProtocol

/// The crash drill (issue 6, `tools/crash-test`): run `solventd`, drive it from several clients
/// that record every acknowledged key, `kill -9` it at a random moment, restart it and resend
/// whatever was not answered with the same keys; repeat. One kill lands while the daemon
/// recovers and one while it drains after SIGTERM. At the end, every round must have made
/// progress, no request may be left unanswered, every acknowledged key must be in the log exactly
/// once, at the seq its reply gave, no refused key may be there, and the log must verify.
public struct CrashDrill: Sendable {
    public var daemonPath: String
    /// Holds data/, the socket, the configuration and daemon.log; kept for inspection.
    public var directory: String
    public var rounds: Int
    public var clients: Int
    /// How long load runs before the kill, drawn uniformly from this range.
    public var runMs: ClosedRange<Int>

    public init(daemonPath: String, directory: String, rounds: Int, clients: Int = 4, runMs: ClosedRange<Int> = 100...800) {
        precondition(clients >= 1 && clients < 100, "1 to 99 clients (their numbers make events unique)")
        self.daemonPath = daemonPath
        self.directory = directory
        self.rounds = rounds
        self.clients = clients
        self.runMs = runMs
    }

    public var dataDirectory: String { directory + "/data" }
    var socketPath: String { directory + "/solventd.sock" }

    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> CrashDrillReport {
        guard rounds >= 2 else { throw DrillFailure(message: "at least 2 rounds: one kill lands in recovery, one in the drain") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Small snapshots and a fast clock: recovery after a kill starts from a snapshot, and
        // ticks join the groups being killed.
        let config = directory + "/solventd.json"
        try Data(#"{"snapshotEvery": 500, "clockIntervalMs": 50}"#.utf8).write(to: URL(fileURLWithPath: config))
        let state = DrillState()
        let clients = (0..<self.clients).map { DrillClient(number: $0) }
        var kills = KillCounts()
        for round in 1...rounds {
            // From round 2 (the log has something to recover) until one lands: kill -9 while the
            // daemon recovers, before it serves.
            if round >= 2 && kills.recovery == 0 {
                if try await killDuringRecovery(config: config) { kills.recovery += 1 }
            }
            let daemon = try await start(config: config)
            if round == 1 { try await setUp(state) }
            let ackedBefore = state.acknowledged.count
            let load = Task { await drive(clients, state: state, fresh: true) }
            try await runUntilProgress(state, since: ackedBefore)
            // Until one lands: SIGTERM under load, then kill -9 while the daemon drains.
            let drained = kills.drain == 0 ? try await killDuringDrain(daemon) : false
            if drained {
                kills.drain += 1
            } else {
                daemon.signal(SIGKILL)
                _ = await daemon.waitForExit()
            }
            await load.value
            kills.roundAcks.append(state.acknowledged.count - ackedBefore)
            progress("round \(round): killed; acked \(kills.roundAcks.last!) this round, \(state.acknowledged.count) so far")
        }
        // A drain that finished before its kill (a loaded machine drains a short queue quickly)
        // is tried again under fresh load, up to 10 times, outside the counted rounds.
        for _ in 0..<10 where kills.drain == 0 {
            let daemon = try await start(config: config)
            let ackedBefore = state.acknowledged.count
            let load = Task { await drive(clients, state: state, fresh: true) }
            try await runUntilProgress(state, since: ackedBefore)
            if try await killDuringDrain(daemon) { kills.drain += 1 }
            await load.value
        }
        // A last start: every unanswered request is resent until answered, then a clean stop.
        let daemon = try await start(config: config)
        for _ in 0..<20 where clients.contains(where: { !$0.pending.isEmpty }) {
            await drive(clients, state: state, fresh: false)
        }
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit()
        guard status == 0 else { throw DrillFailure(message: "solventd exited with \(status.map(String.init) ?? "no exit") on SIGTERM") }
        kills.pendingAtEnd = clients.reduce(0) { $0 + $1.pending.count }
        return try check(state, kills: kills)
    }

    /// Lets the load run for a random time in `runMs`, and on until this round has acknowledged
    /// something (at most 30 s more): a round that kills before any ack proves nothing, and a
    /// loaded machine can take longer than `runMs` to answer the first request.
    private func runUntilProgress(_ state: DrillState, since ackedBefore: Int) async throws {
        try await Task.sleep(for: .milliseconds(Int.random(in: runMs)))
        let deadline = ContinuousClock.now + .seconds(30)
        while state.acknowledged.count == ackedBefore && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Starts the daemon and kills it with SIGKILL as soon as its log says "recovering"; true
    /// if the kill landed before it logged "recovered" (tried up to 20 times: recovery from a
    /// snapshot takes milliseconds).
    private func killDuringRecovery(config: String) async throws -> Bool {
        for _ in 0..<20 {
            let offset = logSize()
            let daemon = try DaemonProcess(
                executable: daemonPath, arguments: ["--data", dataDirectory, "--socket", socketPath, "--config", config],
                socketPath: socketPath, logPath: logPath)
            try await kill(daemon, onceLogSays: "recovering", since: offset)
            if daemon.process.terminationReason == .uncaughtSignal && !log(since: offset).contains("recovered") { return true }
        }
        return false
    }

    /// Sends SIGTERM and, once the log says "draining", SIGKILL; true if the kill landed before
    /// the daemon closed its log (it died of the signal, with no "log closed").
    private func killDuringDrain(_ daemon: DaemonProcess) async throws -> Bool {
        let offset = logSize()
        daemon.signal(SIGTERM)
        try await kill(daemon, onceLogSays: "draining", since: offset)
        let text = log(since: offset)
        return daemon.process.terminationReason == .uncaughtSignal && text.contains("draining") && !text.contains("log closed")
    }

    /// SIGKILL as soon as daemon.log, after `offset`, holds `marker` (or the daemon exited, or
    /// 30 s passed), then waits for the exit.
    private func kill(_ daemon: DaemonProcess, onceLogSays marker: String, since offset: UInt64) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while daemon.isRunning && !log(since: offset).contains(marker) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .microseconds(200))
        }
        daemon.signal(SIGKILL)
        _ = await daemon.waitForExit()
    }

    var logPath: String { directory + "/daemon.log" }

    private func logSize() -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: logPath))?[.size] as? UInt64) ?? 0
    }

    /// What the daemons wrote to daemon.log after `offset`.
    private func log(since offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    private func start(config: String) async throws -> DaemonProcess {
        let daemon = try DaemonProcess(
            executable: daemonPath, arguments: ["--data", dataDirectory, "--socket", socketPath, "--config", config],
            socketPath: socketPath, logPath: logPath)
        guard await daemon.waitUntilServing() else {
            daemon.signal(SIGKILL)
            throw DrillFailure(message: "solventd did not start serving; see \(directory)/daemon.log")
        }
        return daemon
    }

    /// The market and the funded accounts, before any kill; each request retried until answered.
    private func setUp(_ state: DrillState) async throws {
        var pending = DrillLoad.setup(clients: clients)
        state.noteSent(pending)
        for _ in 0..<100 where !pending.isEmpty {
            let replies = (try? await LineClient.withConnection(socketPath: socketPath) { try await $0.exchange(pending.map(\.line)) }) ?? []
            pending = zip(pending, replies).filter { !state.settle($0, reply: $1) }.map(\.0) + pending.dropFirst(replies.count)
        }
        guard pending.isEmpty else { throw DrillFailure(message: "the set-up requests were not answered") }
    }

    private func drive(_ clients: [DrillClient], state: DrillState, fresh: Bool) async {
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask { await client.run(socketPath: socketPath, state: state, fresh: fresh) }
            }
        }
    }
}

/// What the rounds did, for the report: the keys acknowledged in each round (after the set-up),
/// the kills that landed in recovery and in the SIGTERM drain, and the requests still unanswered
/// after the last start.
struct KillCounts {
    var roundAcks: [Int] = []
    var recovery = 0
    var drain = 0
    var pendingAtEnd = 0
}

public struct DrillFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
