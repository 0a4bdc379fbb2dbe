import Logging
import SolventCore
import Testing
@testable import SolventReplication

/// A clustered leader acknowledges only while its lease must still be its own
/// (docs/REPLICATION.md, "Fencing"): past the fence, a committed group is refused `not_leader`.
@Suite struct FencingTests {
    static let logger = Logger(label: "test")

    @Test func aGroupCommittedPastTheFenceIsRefusedNotLeader() {
        let fence = LeaseFence(margin: .seconds(1))
        let quorum = AckQuorum(required: 0, fence: fence, logger: Self.logger)
        #expect(quorum.waitReplicated(through: 1)?.code == "not_leader", "never renewed: not valid")
        fence.renewed(sentAt: .now, ttl: .seconds(60))
        #expect(quorum.waitReplicated(through: 2) == nil)
        fence.renewed(sentAt: .now - .seconds(10), ttl: .seconds(5))  // an older renewal does not shorten it
        #expect(quorum.waitReplicated(through: 3) == nil)
        fence.revoke()
        #expect(quorum.waitReplicated(through: 4)?.code == "not_leader")
    }

    /// Waiting for standbys that never come ends when the fence does, with a refusal, not an
    /// acknowledgement and not a hang.
    @Test(.timeLimit(.minutes(1))) func aLeaderWaitingForItsStandbysStopsAtTheFence() {
        let fence = LeaseFence(margin: .milliseconds(100))
        fence.renewed(sentAt: .now, ttl: .milliseconds(400))
        let quorum = AckQuorum(required: 1, fence: fence, logger: Self.logger)
        let refusal = quorum.waitReplicated(through: 7)
        #expect(refusal?.code == "not_leader" && refusal?.message.contains("seq 7") == true, "\(String(describing: refusal))")
    }

    @Test func withoutAFenceAGroupIsAcknowledgedOnceItsStandbysHoldIt() {
        let quorum = AckQuorum(required: 1, logger: Self.logger)
        quorum.acknowledge(node: "b", durable: 9)
        #expect(quorum.waitReplicated(through: 9) == nil)
    }
}
