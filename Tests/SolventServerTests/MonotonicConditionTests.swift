import Foundation
@testable import SolventServer
import Testing

/// The committer's timed wait (`MonotonicCondition`): it times out on the monotonic clock and
/// wakes for a signal. No durations are asserted beyond "the deadline had passed".
@Suite struct MonotonicConditionTests {
    @Test func aTimedWaitWithoutSignalEndsFalseOnlyAfterItsDeadline() {
        let condition = MonotonicCondition()
        condition.lock()
        let deadlineNs = MonotonicCondition.nowNs() + 2_000_000
        var signalled = false
        while true {
            signalled = condition.wait(untilNs: deadlineNs)
            if !signalled { break }  // a spurious wake-up: wait again, as callers do
        }
        condition.unlock()
        #expect(!signalled)
        #expect(MonotonicCondition.nowNs() >= deadlineNs)
    }

    @Test func aSignalFromAnotherThreadEndsTheWaitTrue() {
        let condition = MonotonicCondition()
        let flag = FlagBox()
        condition.lock()
        let thread = Thread {
            condition.lock()
            flag.value = true
            condition.signal()
            condition.unlock()
        }
        thread.start()
        // A deadline a minute away: only the signal can end this wait in time for the suite.
        let deadlineNs = MonotonicCondition.nowNs() + 60_000_000_000
        var woken = true
        while !flag.value && woken { woken = condition.wait(untilNs: deadlineNs) }
        condition.unlock()
        #expect(flag.value)
        #expect(woken)
    }
}

/// Guarded by the condition's lock in the test above.
private final class FlagBox: @unchecked Sendable {
    var value = false
}
