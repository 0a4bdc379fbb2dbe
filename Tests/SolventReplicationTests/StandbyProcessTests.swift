import Foundation
import Synchronization
import SolventBench
import SolventCore
import SolventProtocol
import SolventStore
import Testing

/// A leader `solventd --replication-listen` and a `solvent standby` process on loopback, with
/// real LMDB on both sides: the standby ends with the leader's log byte for byte (same head hash,
/// its chain and re-derivation verified), catches up after being down, stops with exit 3 and
/// nothing appended from a record the leader altered (a test hook), and refuses a wrong key.
@Suite(.serialized) struct StandbyProcessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Leader {
        let daemon: DaemonProcess
        let data: String
        let socket: String
        let port: Int
    }

    static func leader(_ directory: String, syncReplicas: Int = 0, environment: [String: String] = [:]) async throws -> Leader {
        let data = directory + "/leader"
        try EventLog.create(directory: data, createdTimeMs: 0, rules: .v2)
        try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/solventd.json"))
        try Data((0..<48).map { UInt8($0) }).write(to: URL(fileURLWithPath: directory + "/key"))
        let port = Int.random(in: 20_000...40_000)
        let socket = directory + "/solventd.sock"
        let daemon = try DaemonProcess(
            executable: try productPath("solventd"),
            arguments: ["--data", data, "--socket", socket, "--config", directory + "/solventd.json",
                        "--replication-listen", "127.0.0.1:\(port)", "--replication-key-file", directory + "/key", "--node", "leader-a",
                        "--sync-replicas", "\(syncReplicas)"],
            socketPath: socket, logPath: directory + "/leader.log", environment: environment)
        #expect(await daemon.waitUntilServing())
        return Leader(daemon: daemon, data: data, socket: socket, port: port)
    }

    static func standby(_ directory: String, leader: Leader, key: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try productPath("solvent"))
        process.arguments = ["standby", "--data", directory + "/standby", "--leader", "127.0.0.1:\(leader.port)",
                             "--key-file", key ?? directory + "/key", "--node", "standby-1"]
        FileManager.default.createFile(atPath: directory + "/standby.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/standby.log"))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        return process
    }

    /// Appends the liquidation scenario (liquidations, auctions, ADL) under `prefix`, then `count` deposits.
    static func feed(_ leader: Leader, prefix: String, deposits count: Int, scenario: Bool) async throws {
        var events: [String] = []
        if scenario {
            events += try String(contentsOf: root.appendingPathComponent("Fixtures/scenarios/liquidation.ndjson"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
        }
        events += (0..<count).map { #"{"kind":"deposit","account":"d\#(prefix)\#($0)","amount":"1","ref":"\#(prefix)-\#($0)"}"# }
        let requests = events.enumerated().map { #"{"op":"append","key":"\#(prefix)-\#($0.offset)","event":\#($0.element)}"# }
        let replies = try await LineClient.withConnection(socketPath: leader.socket) { try await $0.exchange(requests) }
        #expect(replies.allSatisfy { $0.contains(#""ok":true"#) }, "\(replies.first { !$0.contains(#""ok":true"#) } ?? "")")
    }

    static func lastSeq(_ data: String) -> Seq? {
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else { return nil }
        return try? EventLog(directory: data, readOnly: true).lastSeq
    }

    static func wait(_ what: String, timeout: Duration = .seconds(20), _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            // Checked once more after the deadline: a loaded run may wake this task late.
            guard ContinuousClock.now < deadline else {
                if done() { return }
                throw TestSetupError("timed out waiting for \(what)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func theStandbyEndsWithTheLeadersLogAndCatchesUpAfterBeingDown() async throws {
        try await withTemporaryDirectory { directory in
            let leader = try await Self.leader(directory)
            defer { leader.daemon.signal(SIGKILL) }
            try await Self.feed(leader, prefix: "a", deposits: 200, scenario: true)
            var standby = try Self.standby(directory, leader: leader)
            defer { if standby.isRunning { standby.terminate() } }
            let head1 = try #require(Self.lastSeq(leader.data))
            try await Self.wait("the standby at \(head1)") { Self.lastSeq(directory + "/standby") == head1 }
            // Live: records committed while it follows.
            try await Self.feed(leader, prefix: "b", deposits: 300, scenario: false)
            let head2 = try #require(Self.lastSeq(leader.data))
            try await Self.wait("the standby at \(head2)") { Self.lastSeq(directory + "/standby") == head2 }
            standby.terminate()
            standby.waitUntilExit()
            #expect(standby.terminationStatus == 0, "SIGTERM stops it cleanly")
            // Down while the leader goes on; back, it catches up from its durable seq.
            try await Self.feed(leader, prefix: "c", deposits: 100, scenario: false)
            standby = try Self.standby(directory, leader: leader)
            defer { standby.terminate() }
            let head3 = try #require(Self.lastSeq(leader.data))
            try await Self.wait("the standby at \(head3)") { Self.lastSeq(directory + "/standby") == head3 }
            standby.terminate()
            standby.waitUntilExit()
            let copy = try EventLog(directory: directory + "/standby", readOnly: true)
            let original = try EventLog(directory: leader.data, readOnly: true)
            #expect(copy.headHash == original.headHash)
            #expect(try copy.verifyChain() == .ok(count: head3.rawValue, head: original.headHash))
            _ = try copy.rederivation()
            // A replicating leader stops on SIGTERM like any daemon: exit 0.
            leader.daemon.signal(SIGTERM)
            #expect(await leader.daemon.waitForExit() == 0)
        }
    }

    /// Seq 13 of the liquidation scenario is a derived `auction.started`: it does not re-derive.
    /// Seq 14 is an input (`auction.bid`), valid whatever its limit: the next record's prevHash
    /// (or the batch's head hash) shows the chains differ, and the input is not kept either.
    @Test(arguments: [(UInt64(13), UInt64(13), "does not re-derive"), (14, 15, "the chains differ")])
    func aRecordAlteredByTheLeaderStopsTheStandbyWithNothingAfterIt(tampered: UInt64, stoppedAt: UInt64, reason: String) async throws {
        try await withTemporaryDirectory { directory in
            let leader = try await Self.leader(directory, environment: ["SOLVENT_TEST_TAMPER_REPLICATION_SEQ": "\(tampered)"])
            defer { leader.daemon.signal(SIGKILL) }
            try await Self.feed(leader, prefix: "a", deposits: 20, scenario: true)
            let standby = try Self.standby(directory, leader: leader)
            defer { if standby.isRunning { standby.terminate() } }
            try await Self.wait("the standby's exit") { !standby.isRunning }
            let output = try String(contentsOfFile: directory + "/standby.log", encoding: .utf8)
            #expect(standby.terminationStatus == 3, "\(output)")
            #expect(output.contains("standby stopped at seq \(stoppedAt)") && output.contains(reason), "\(output)")
            let durable = try #require(Self.lastSeq(directory + "/standby"))
            #expect(durable < Seq(tampered), "nothing from the altered record on")
            _ = try EventLog(directory: directory + "/standby", readOnly: true).rederivation()
        }
    }

    @Test func aStandbyWithTheWrongKeyGetsNothing() async throws {
        try await withTemporaryDirectory { directory in
            let leader = try await Self.leader(directory)
            defer { leader.daemon.signal(SIGKILL) }
            try await Self.feed(leader, prefix: "a", deposits: 5, scenario: false)
            try Data(Array(repeating: UInt8(7), count: 48)).write(to: URL(fileURLWithPath: directory + "/wrong"))
            let standby = try Self.standby(directory, leader: leader, key: directory + "/wrong")
            defer { if standby.isRunning { standby.terminate() } }
            try await Self.wait("the standby's exit") { !standby.isRunning }
            let output = try String(contentsOfFile: directory + "/standby.log", encoding: .utf8)
            #expect(standby.terminationStatus != 0, "\(output)")
            #expect(output.contains("wrong key") || output.contains("did not prove"), "\(output)")
            #expect((Self.lastSeq(directory + "/standby") ?? 0) == 0, "no record reached it")
        }
    }

    /// `--sync-replicas 1`: an append is not acknowledged while no standby holds it, is once one
    /// does, and every acknowledged seq is already durable in the standby's log when its reply
    /// arrives.
    @Test func withOneSyncReplicaNothingIsAcknowledgedBeforeAStandbyHoldsIt() async throws {
        try await withTemporaryDirectory { directory in
            let leader = try await Self.leader(directory, syncReplicas: 1)
            defer { leader.daemon.signal(SIGKILL) }
            let replied = Mutex<String?>(nil)
            let first = Task {
                let reply = try await LineClient.withConnection(socketPath: leader.socket) {
                    try await $0.exchange([#"{"op":"append","key":"first","event":{"kind":"deposit","account":"a","amount":"1","ref":"r"}}"#])
                }
                replied.withLock { $0 = reply.first }
            }
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(replied.withLock { $0 } == nil, "acknowledged with no standby holding it")
            let standby = try Self.standby(directory, leader: leader)
            defer { standby.terminate() }
            try await Self.wait("the first reply") { replied.withLock { $0 } != nil }
            #expect(replied.withLock { $0 }?.contains(#""ok":true"#) == true)
            _ = try await first.value
            for n in 0..<40 {
                let reply = try await LineClient.withConnection(socketPath: leader.socket) {
                    try await $0.exchange([#"{"op":"append","key":"k\#(n)","event":{"kind":"deposit","account":"a","amount":"1","ref":"r\#(n)"}}"#])
                }
                let json = try JSONParser.parse(try #require(reply.first))
                guard case .number(let text)? = json["seq"], let seq = Seq(text) else { Issue.record("\(reply)"); continue }
                let held = try #require(Self.lastSeq(directory + "/standby"))
                #expect(held >= seq, "seq \(seq) acknowledged while the standby held \(held)")
            }
        }
    }
}
