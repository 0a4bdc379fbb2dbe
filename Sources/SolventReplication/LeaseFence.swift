import Foundation
import Synchronization

/// How long a clustered leader may still acknowledge (issue 26, fencing; docs/REPLICATION.md
/// "Leadership"): until its last lease renewal's send time plus the TTL etcd granted, minus a
/// margin. etcd expires the lease no earlier than TTL after it received that renewal, which was
/// after it was sent, so while `isValid` no other node can hold the leader key: an acknowledgement
/// given then cannot be contradicted by a new leader's. A leader paused past that moment
/// (SIGSTOP, a stalled VM) finds it passed when it resumes, and acknowledges nothing more.
/// Monotonic time: a wall-clock step cannot extend it.
public final class LeaseFence: Sendable {
    /// Taken off the TTL: the clocks of etcd and this node may run at slightly different rates,
    /// and an acknowledgement leaves a moment after the check.
    public let margin: Duration
    private let validUntil: Mutex<ContinuousClock.Instant>

    /// Not valid until the first renewal.
    public init(margin: Duration) {
        self.margin = margin
        validUntil = Mutex(ContinuousClock.now - .seconds(1))
    }

    /// A renewal sent at `sentAt` was granted `ttl`.
    public func renewed(sentAt: ContinuousClock.Instant, ttl: Duration) {
        validUntil.withLock { $0 = max($0, sentAt + ttl - margin) }
    }

    /// Ends the lease at once (it was lost, or the node resigns).
    public func revoke() {
        validUntil.withLock { $0 = ContinuousClock.now - .seconds(1) }
    }

    public var isValid: Bool { ContinuousClock.now < deadline }

    /// The moment acknowledgements stop unless the lease is renewed.
    public var deadline: ContinuousClock.Instant { validUntil.withLock { $0 } }

    /// `deadline` as a `Date`, for a condition's timed wait.
    var deadlineDate: Date {
        let left = deadline - ContinuousClock.now
        let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
        return Date().addingTimeInterval(max(0, seconds))
    }
}
