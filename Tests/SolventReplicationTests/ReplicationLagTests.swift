import Logging
import SolventCore
import Testing
@testable import SolventReplication

/// A standby's lag in time (`solvent_replication_lag_ms`): the age of the oldest committed group
/// it does not hold yet, 0 once it holds them all.
@Suite struct ReplicationLagTests {
    @Test func lagIsTheAgeOfTheOldestGroupAStandbyLacks() {
        let quorum = AckQuorum(required: 0, logger: Logger(label: "test"))
        #expect(quorum.lagMs(of: "b") == nil, "never heard from")
        _ = quorum.waitReplicated(through: 5)
        let afterFirst = ContinuousClock.now
        quorum.acknowledge(node: "b", durable: 3)
        let lag = quorum.lagMs(of: "b", now: afterFirst + .seconds(2))!
        #expect(lag >= 2_000 && lag < 3_000, "\(lag)")
        quorum.acknowledge(node: "b", durable: 5)
        #expect(quorum.lagMs(of: "b", now: afterFirst + .seconds(2)) == 0)
        // A later group: its age, not the first's.
        _ = quorum.waitReplicated(through: 9)
        let afterSecond = ContinuousClock.now
        #expect(quorum.lagMs(of: "b", now: afterSecond + .milliseconds(500))! < 1_000)
        #expect(quorum.lagMs(of: "b", now: afterSecond + .milliseconds(500))! >= 500)
    }

    @Test func keptCommitTimesStayBounded() {
        var times = CommitTimes()
        let start = ContinuousClock.now
        for seq in 1...200_000 { times.record(Seq(UInt64(seq)), at: start + .milliseconds(seq), keepingAfter: 0) }
        // The oldest kept is at most `limit` groups back; a standby further behind sees at least its age.
        let oldest = times.firstCommit(after: 0)!
        #expect(oldest == start + .milliseconds(200_000 - CommitTimes.limit + 1))
        times.record(200_001, at: start + .seconds(500), keepingAfter: 200_000)
        #expect(times.firstCommit(after: 200_000) == start + .seconds(500))
        #expect(times.firstCommit(after: 200_001) == nil)
    }
}
