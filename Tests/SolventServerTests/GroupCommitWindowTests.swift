@testable import SolventServer
import Testing

/// The group-commit window as plain logic: whether the committer waits, for how many arrivals
/// and for how long at most (the speed it buys is measured by `solvent bench ingest`).
@Suite struct GroupCommitWindowTests {
    @Test func theFirstGroupNeverWaits() {
        let window = GroupCommitWindow(delayUs: 1_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == nil)
    }

    @Test func afterAGroupOfManyConnectionsItWaitsForAsManyArrivals() {
        var window = GroupCommitWindow(delayUs: 1_000)
        window.committed(connections: 64, durationNs: 5_000_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == 64)
        #expect(window.arrivalsToAwait(pendingArrivals: 63) == 64)
        #expect(window.arrivalsToAwait(pendingArrivals: 64) == nil)  // all in: commit at once
        #expect(window.arrivalsToAwait(pendingArrivals: 200) == nil)
    }

    @Test func aLoneOrPipeliningConnectionIsNeverDelayed() {
        var window = GroupCommitWindow(delayUs: 1_000)
        window.committed(connections: 1, durationNs: 5_000_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == nil)
        window.committed(connections: 0, durationNs: 5_000_000)  // only the daemon's own tick
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == nil)
        window.committed(connections: 2, durationNs: 5_000_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == 2)
    }

    @Test func zeroDelayTurnsTheWindowOff() {
        var window = GroupCommitWindow(delayUs: 0)
        window.committed(connections: 64, durationNs: 5_000_000)
        #expect(window.delayNs == 0)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == nil)
    }

    @Test func theWaitIsBoundedByTheConfigurationAndByThePreviousCommit() {
        var window = GroupCommitWindow(delayUs: 1_000)
        window.committed(connections: 64, durationNs: 300_000)  // a fast fsync: wait no longer than it
        #expect(window.delayNs == 300_000)
        window.committed(connections: 64, durationNs: 7_000_000)  // a slow one: the configured bound
        #expect(window.delayNs == 1_000_000)
        window.committed(connections: 64, durationNs: 0)
        #expect(window.arrivalsToAwait(pendingArrivals: 1) == nil)
    }

    @Test func aGroupThatEndedShortLowersTheNextExpectation() {
        var window = GroupCommitWindow(delayUs: 1_000)
        window.committed(connections: 64, durationNs: 5_000_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 10) == 64)
        // The wait ran out with 10 in (the load dropped): the next group expects 10, not 64.
        window.committed(connections: 10, durationNs: 5_000_000)
        #expect(window.arrivalsToAwait(pendingArrivals: 4) == 10)
        #expect(window.arrivalsToAwait(pendingArrivals: 10) == nil)
    }

    @Test func theDefaultIsWithinTheAcceptedRange() {
        #expect(GroupCommitWindow.defaultDelayUs > 0)
        #expect(GroupCommitWindow.defaultDelayUs <= GroupCommitWindow.maxDelayUs)
        #expect(GroupCommitWindow().maxDelayNs == GroupCommitWindow.defaultDelayUs * 1_000)
    }
}
