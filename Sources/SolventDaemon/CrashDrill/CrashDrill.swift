import Foundation
import SolventCore
import SolventServer

/// The crash drill (issue 6, `tools/crash-test`): run `solventd`, drive it from several clients
/// that record every acknowledged key, `kill -9` it at a random moment, restart it and resend
/// whatever was not answered with the same keys; repeat. At the end, every acknowledged key
/// must be in the log exactly once, at the seq its reply gave, and the log must verify.
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
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Small snapshots and a fast clock: recovery after a kill starts from a snapshot, and
        // ticks join the groups being killed.
        let config = directory + "/solventd.json"
        try Data(#"{"snapshotEvery": 500, "clockIntervalMs": 50}"#.utf8).write(to: URL(fileURLWithPath: config))
        let state = DrillState()
        let clients = (0..<self.clients).map { DrillClient(number: $0) }
        for round in 1...max(1, rounds) {
            let daemon = try await start(config: config)
            if round == 1 { try await setUp(state) }
            let load = Task { await drive(clients, state: state, fresh: true) }
            try await Task.sleep(for: .milliseconds(Int.random(in: runMs)))
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit()
            await load.value
            progress("round \(round): killed; acked \(state.acknowledged.count) so far")
        }
        // A last start: every unanswered request is resent until answered, then a clean stop.
        let daemon = try await start(config: config)
        await drive(clients, state: state, fresh: false)
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit()
        guard status == 0 else { throw DrillFailure(message: "solventd exited with \(status.map(String.init) ?? "no exit") on SIGTERM") }
        return try check(state)
    }

    private func start(config: String) async throws -> DaemonProcess {
        let daemon = try DaemonProcess(
            executable: daemonPath, arguments: ["--data", dataDirectory, "--socket", socketPath, "--config", config],
            socketPath: socketPath, logPath: directory + "/daemon.log")
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

public struct DrillFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
