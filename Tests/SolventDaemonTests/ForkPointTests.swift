import Foundation
import SolventCluster
import SolventCore
import SolventProtocol
import SolventStore
import Testing
@testable import SolventDrills

/// A former leader's tail that no standby acknowledged (issue 26, "the fork point"): with
/// --sync-replicas 1 and its only standby down, the leader commits an append it cannot
/// acknowledge; it is killed, the standby comes back and leads, and the old leader, started
/// again, drops that record and follows — the client's retry is appended once, on the new leader.
/// (A standby merely paused would find the record in its socket's buffer when resumed and keep
/// it: no fork then, and the retry is answered with that record's seq.)
@Suite struct ForkPointTests {
    static let deposit = #"{"op":"append","key":"KEY","event":{"kind":"deposit","account":"alice","amount":"5","ref":"KEY"}}"#

    static func append(_ key: String, on socket: String) async throws -> String? {
        try await LineClient.withConnection(socketPath: socket) { try await $0.exchange([deposit.replacingOccurrences(of: "KEY", with: key)]) }.first
    }

    @Test(.timeLimit(.minutes(2))) func aReturningLeaderDropsItsUnacknowledgedTailAndTheRetryIsAppendedOnce() async throws {
        try await withTwoNodeCluster(syncReplicas: 1) { etcd, nodes in
            try nodes.start("node-a")
            #expect(try await nodes.waitForLeader(timeout: .seconds(30)) == "node-a")
            try nodes.start("node-b")
            let first = try await Self.append("k1", on: nodes.socket("node-a"))
            #expect(first?.contains(#""ok":true,"seq":1"#) == true, "\(first ?? "nil")")

            // The standby down: the leader commits k2 but cannot acknowledge it.
            nodes.hold("node-b", true)
            nodes.process("node-b")?.signal(SIGKILL)
            _ = await nodes.process("node-b")?.waitForExit()
            let unanswered = Task { try? await Self.append("k2", on: nodes.socket("node-a")) }
            var committed = false
            for _ in 0..<600 where !committed {
                committed = try EventLog(directory: nodes.data("node-a"), readOnly: true).lastSeq == 2
                if !committed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(committed, "k2 is committed on the leader")
            nodes.hold("node-a", true)
            nodes.process("node-a")?.signal(SIGKILL)
            _ = await nodes.process("node-a")?.waitForExit()
            #expect(await unanswered.value == nil, "k2 was never acknowledged")
            nodes.hold("node-b", false)
            try nodes.supervise()

            #expect(try await nodes.waitForLeader(excluding: "node-a", timeout: .seconds(30)) == "node-b")
            // The old leader back (the new one's only standby: with K = 1 it acknowledges nothing without it).
            nodes.hold("node-a", false)
            try nodes.supervise()
            let retried = try await Self.append("k2", on: nodes.socket("node-b"))
            #expect(retried?.contains(#""ok":true,"seq":2"#) == true, "\(retried ?? "nil")")
            let again = try await Self.append("k1", on: nodes.socket("node-b"))
            #expect(again?.contains(#""seq":1"#) == true, "k1 answered from the new leader's log: \(again ?? "nil")")
            var agreed = false
            for _ in 0..<200 where !agreed {
                let (a, b) = (await NodeStatus.read(nodes.socket("node-a")), await NodeStatus.read(nodes.socket("node-b")))
                agreed = a != nil && a?.seq == b?.seq && a?.head == b?.head && a?.role == "standby"
                if !agreed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(agreed, "the old leader follows with the new leader's head")
            let log = (try? String(contentsOfFile: nodes.logPath("node-a"), encoding: .utf8)) ?? ""
            #expect(log.contains("dropped records 2…2"), "\(log.suffix(2_000))")
            await nodes.stopAll()
            // k2 once, at seq 2, on both.
            for id in ["node-a", "node-b"] {
                let copy = try EventLog(directory: nodes.data(id), readOnly: true)
                #expect(try copy.read { try $0.requestSeq("k2") } == 2)
                #expect(copy.lastSeq == 2)
            }
        }
    }
}
