import Foundation
import Logging
import SolventCore
import SolventServer

/// Semi-synchronous acks (`solventd --sync-replicas K`, docs/REPLICATION.md): the leader's
/// durable commit answers a group only once K standbys have acknowledged its last seq durable in
/// their own logs. With K = 0 it waits for nothing and only wakes the link's streams, which
/// every replicating leader has it do. Strict: with fewer than K standbys connected, appends wait (and say so in the
/// log every 5 s) rather than be acknowledged with fewer copies than promised; K = 0 needs no
/// gate at all. What K survives: K = 0 loses what the leader acknowledged but no standby held if
/// the leader's disk is lost; K ≥ 1 loses no acknowledged record as long as one of the K
/// standbys that held it survives.
public final class AckQuorum: ReplicationGate, @unchecked Sendable {
    public let required: Int
    /// A clustered leader's lease (nil: a leader without etcd, which is never fenced).
    public let fence: LeaseFence?
    let logger: Logger
    // NSCondition: the durable commit's thread blocks on it; acks from the link's tasks wake it.
    private let condition = NSCondition()
    private var acked: [String: Seq] = [:]
    /// The last groups committed, oldest first, with when: a standby's lag in time is the age of
    /// the oldest group it does not hold yet.
    private var commits = CommitTimes()

    /// Woken at every commit: the streams that carry records to the standbys.
    let committed = HeadSignal()

    public init(required: Int, fence: LeaseFence? = nil, logger: Logger) {
        precondition(required >= 0, "a quorum counts standbys")
        self.required = required
        self.fence = fence
        self.logger = logger
    }

    /// A standby's durable seq moved (from the replication link).
    func acknowledge(node: String, durable: Seq) {
        condition.lock()
        acked[node] = max(acked[node] ?? 0, durable)
        condition.broadcast()
        condition.unlock()
    }

    /// How far behind `node` is, in milliseconds: the age of the oldest committed group it does
    /// not hold (0 when it holds them all; nil for a standby never heard from).
    public func lagMs(of node: String, now: ContinuousClock.Instant = .now) -> Double? {
        condition.lock()
        defer { condition.unlock() }
        guard let durable = acked[node] else { return nil }
        guard let oldest = commits.firstCommit(after: durable) else { return 0 }
        let age = now - oldest
        return Double(age.components.seconds) * 1_000 + Double(age.components.attoseconds) / 1e15
    }

    /// The standbys heard from.
    var nodes: [String] {
        condition.lock()
        defer { condition.unlock() }
        return Array(acked.keys)
    }

    /// How many standbys hold `seq` durably.
    private func holders(of seq: Seq) -> Int { acked.values.count { $0 >= seq } }

    public func waitReplicated(through seq: Seq) -> InputError? {
        condition.lock()
        commits.record(seq, at: ContinuousClock.now, keepingAfter: acked.values.min() ?? seq)
        condition.unlock()
        committed.notify()
        if required > 0 { waitForHolders(of: seq) }
        // Checked after the standbys' acks, the moment before the answers leave.
        if let fence, !fence.isValid { return Self.fenced(seq) }
        return nil
    }

    /// Until `required` standbys hold `seq`, or the lease may have ended.
    private func waitForHolders(of seq: Seq) {
        condition.lock()
        defer { condition.unlock() }
        var warnAt = Date().addingTimeInterval(5)
        while holders(of: seq) < required {
            if let fence, !fence.isValid { return }
            let until = fence.map { min(warnAt, $0.deadlineDate) } ?? warnAt
            if !condition.wait(until: until) && Date() >= warnAt {
                logger.warning("acknowledgements held back: \(holders(of: seq)) of \(required) standbys hold seq \(seq) (--sync-replicas \(required))")
                warnAt = Date().addingTimeInterval(5)
            }
        }
    }

    /// The refusal of a group committed after the lease may have ended.
    static func fenced(_ seq: Seq) -> InputError {
        InputError(code: "not_leader", message: "this node's leadership lease ended before seq \(seq) could be acknowledged: "
            + "nothing of this request is acknowledged; send it again with the same key to the leader")
    }
}

/// When each recent group was committed: its last seq and the moment, in seq order. Kept from
/// the oldest group some standby still lacks (at most `limit`: a standby gone for hours does not
/// make it grow; its lag is then at least the age of the oldest kept).
struct CommitTimes {
    private var entries: [(seq: Seq, at: ContinuousClock.Instant)] = []
    private var start = 0
    static let limit = 65_536

    mutating func record(_ seq: Seq, at moment: ContinuousClock.Instant, keepingAfter held: Seq) {
        entries.append((seq, moment))
        // Groups every standby holds are no one's lag: dropped, in bulk, from the front.
        while start < entries.count - 1 && entries[start].seq <= held { start += 1 }
        if entries.count - start > Self.limit { start = entries.count - Self.limit }
        if start > 4_096 {
            entries.removeFirst(start)
            start = 0
        }
    }

    /// When the first group holding a seq after `seq` was committed; nil if none is kept.
    func firstCommit(after seq: Seq) -> ContinuousClock.Instant? {
        var low = start, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].seq > seq { high = middle } else { low = middle + 1 }
        }
        return low < entries.count ? entries[low].at : nil
    }
}
