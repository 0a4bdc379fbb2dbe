import SolventCluster
import Testing

/// Who may take the leader key (docs/REPLICATION.md, "Elections").
@Suite struct ElectionTests {
    static func member(_ node: String, _ role: MemberRecord.Role, seq: UInt64, alarm: String? = nil) -> MemberRecord {
        MemberRecord(node: node, role: role, seq: seq, replication: "127.0.0.1:1", socket: "/s", alarm: alarm)
    }

    @Test func theMostRecordsWinTheLowestIdAmongEquals() {
        #expect(Election.winner([Self.member("a", .candidate, seq: 10), Self.member("b", .candidate, seq: 12),
                                 Self.member("c", .candidate, seq: 11)], excluding: nil) == "b")
        #expect(Election.winner([Self.member("c", .candidate, seq: 12), Self.member("b", .candidate, seq: 12)], excluding: nil) == "b")
        #expect(Election.winner([Self.member("a", .candidate, seq: 0)], excluding: nil) == "a")
    }

    /// A member still following may yet receive more records; one that says leader is stepping
    /// down: nobody is elected until every live member has stopped.
    @Test func nobodyWinsWhileAMemberStillFollowsOrLeads() {
        #expect(Election.winner([Self.member("a", .candidate, seq: 10), Self.member("b", .standby, seq: 5)], excluding: nil) == nil)
        #expect(Election.winner([Self.member("a", .candidate, seq: 10), Self.member("b", .leader, seq: 5)], excluding: nil) == nil)
    }

    /// A standby stopped on an alarm neither blocks the election nor wins it, however far its
    /// log went; the node a switchover moves away from is passed over.
    @Test func anAlarmedMemberAndTheSwitchedOverLeaderAreNeverChosen() {
        let members = [Self.member("a", .candidate, seq: 10), Self.member("b", .standby, seq: 99, alarm: "standby stopped at seq 50"),
                       Self.member("c", .candidate, seq: 12)]
        #expect(Election.winner(members, excluding: nil) == "c")
        #expect(Election.winner(members, excluding: "c") == "a")
        #expect(Election.winner([Self.member("c", .candidate, seq: 12)], excluding: "c") == nil)
    }

    @Test func recordsRoundTripTheirJSON() {
        let member = Self.member("ü-1", .standby, seq: 7, alarm: "it \"broke\"")
        #expect(MemberRecord.decode(member.encoded()) == member)
        let leader = LeaderRecord(node: "a", replication: "10.0.0.1:7470", socket: "/run/solvent/solventd.sock")
        #expect(LeaderRecord.decode(leader.encoded()) == leader)
        #expect(MemberRecord.decode("{") == nil)
    }
}
