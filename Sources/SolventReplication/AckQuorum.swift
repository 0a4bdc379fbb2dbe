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
    let logger: Logger
    // NSCondition: the durable commit's thread blocks on it; acks from the link's tasks wake it.
    private let condition = NSCondition()
    private var acked: [String: Seq] = [:]

    /// Woken at every commit: the streams that carry records to the standbys.
    let committed = HeadSignal()

    public init(required: Int, logger: Logger) {
        precondition(required >= 0, "a quorum counts standbys")
        self.required = required
        self.logger = logger
    }

    /// A standby's durable seq moved (from the replication link).
    func acknowledge(node: String, durable: Seq) {
        condition.lock()
        acked[node] = max(acked[node] ?? 0, durable)
        condition.broadcast()
        condition.unlock()
    }

    /// How many standbys hold `seq` durably.
    private func holders(of seq: Seq) -> Int { acked.values.count { $0 >= seq } }

    public func waitReplicated(through seq: Seq) {
        committed.notify()
        guard required > 0 else { return }
        condition.lock()
        defer { condition.unlock() }
        var warnAt = Date().addingTimeInterval(5)
        while holders(of: seq) < required {
            if !condition.wait(until: warnAt) {
                logger.warning("acknowledgements held back: \(holders(of: seq)) of \(required) standbys hold seq \(seq) (--sync-replicas \(required))")
                warnAt = Date().addingTimeInterval(5)
            }
        }
    }
}
