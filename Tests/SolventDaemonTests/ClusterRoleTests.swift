import Foundation
import SolventCluster
import SolventCore
import SolventProtocol
import Testing
@testable import SolventDrills

/// What clients see of a cluster (docs/REPLICATION.md, "Clients"): `status` on every node says
/// its role and the leader; a standby refuses an append `not_leader` naming the leader and its
/// socket, and logs nothing; `solvent cluster status` reads the same from etcd.
@Suite struct ClusterRoleTests {
    @Test(.timeLimit(.minutes(2))) func statusNamesTheRoleAndAStandbyRefusesAppendsNotLeader() async throws {
        try await withTwoNodeCluster(syncReplicas: 0) { etcd, nodes in
            try nodes.start("node-a")
            let leader = try #require(try await nodes.waitForLeader(timeout: .seconds(30)))
            #expect(leader == "node-a")
            try nodes.start("node-b")
            #expect(await nodes.process("node-b")!.waitUntilServing())
            // Its socket answers from the start; it names the leader once it follows.
            var following = false
            for _ in 0..<200 where !following {
                let reply = try? await LineClient.withConnection(socketPath: nodes.socket("node-b")) { try await $0.exchange([#"{"op":"status"}"#]) }
                following = reply?.first?.contains(#""leader":"node-a""#) == true
                if !following { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(following)

            let append = #"{"op":"append","key":"k1","event":{"kind":"deposit","account":"alice","amount":"5","ref":"r1"}}"#
            let onLeader = try await LineClient.withConnection(socketPath: nodes.socket("node-a")) { try await $0.exchange([append]) }
            #expect(onLeader.first?.contains(#""ok":true"#) == true, "\(onLeader)")
            let onStandby = try await LineClient.withConnection(socketPath: nodes.socket("node-b")) {
                try await $0.exchange([append.replacingOccurrences(of: "k1", with: "k2"), #"{"op":"status"}"#])
            }
            let refusal = try JSONParser.parse(onStandby[0])
            #expect(refusal["error"]?["code"] == .string("not_leader"), "\(onStandby[0])")
            #expect(refusal["leader"] == .string("node-a") && refusal["leaderSocket"] == .string(nodes.socket("node-a")))
            #expect(refusal["key"] == .string("k2"))
            let status = try JSONParser.parse(onStandby[1])
            #expect(status["role"] == .string("standby") && status["leader"] == .string("node-a") && status["node"] == .string("node-b"))
            let leaderStatus = try #require(await NodeStatus.read(nodes.socket("node-a")))
            #expect(leaderStatus.role == "leader")
            // The standby holds the leader's record (and not the refused one).
            var caughtUp = false
            for _ in 0..<100 where !caughtUp {
                caughtUp = await NodeStatus.read(nodes.socket("node-b"))?.head == leaderStatus.head
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(caughtUp)
            // The standby answers account from its own log.
            let account = try await LineClient.withConnection(socketPath: nodes.socket("node-b")) {
                try await $0.exchange([#"{"op":"account","account":"alice"}"#, #"{"op":"account","account":"nobody"}"#])
            }
            #expect(account[0].hasPrefix(#"{"ok":true,"account":"alice""#) && account[0].contains(#""cash":"5""#), "\(account[0])")
            #expect(account[1].contains(#""code":"unknown_account""#), "\(account[1])")
            // And subscribe: catch-up from its log, then what arrives from the leader.
            try await LineClient.withConnection(socketPath: nodes.socket("node-b")) { subscriber in
                try await subscriber.send(raw: Array(#"{"op":"subscribe","from":1,"kinds":["deposit"]}"#.utf8) + [0x0A])
                let caughtUpLine = try await subscriber.receive()
                #expect(caughtUpLine?.hasPrefix(#"{"seq":1,"#) == true && caughtUpLine?.contains(#""kind":"deposit""#) == true, "\(caughtUpLine ?? "nil")")
                let live = try await LineClient.withConnection(socketPath: nodes.socket("node-a")) {
                    try await $0.exchange([#"{"op":"append","key":"k3","event":{"kind":"deposit","account":"bob","amount":"2","ref":"r3"}}"#])
                }
                #expect(live.first?.contains(#""ok":true,"seq":2"#) == true, "\(live)")
                let liveLine = try await subscriber.receive()
                #expect(liveLine?.hasPrefix(#"{"seq":2,"#) == true && liveLine?.contains(#""account":"bob""#) == true, "\(liveLine ?? "nil")")
            }

            let (elected, members) = try await ClusterAdmin(etcd: EtcdClient(endpoints: [etcd.endpoint]), cluster: "drill").status()
            #expect(elected?.record.node == "node-a")
            #expect(members.map(\.node) == ["node-a", "node-b"] && members.map(\.role) == [.leader, .standby])
            await nodes.stopAll()
        }
    }
}
