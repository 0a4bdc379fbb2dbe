import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SolventCore
import SolventProtocol
import SolventStore

/// Fans committed records out to subscribers (SPEC §8 `subscribe`, docs/PROTOCOL.md).
///
/// The committer publishes each group's records after the commit is durable. Only subscriptions
/// that have caught up are "live" here; one still reading the log is not, and goes live only
/// when its reader has passed every published record (`goLive`), so the hand-over has neither a
/// gap nor a duplicate. A live subscription's backlog (records published to it but not yet
/// written to its socket) is bounded: one that would exceed `backlogLimitRecords` is told
/// `slow_subscriber` and disconnected, so a slow reader costs the writer nothing but a count.
public final class SubscriptionHub: @unchecked Sendable {
    /// Records a subscriber may have outstanding before it is disconnected: about 10 MB of lines,
    /// and more than one full group commit (16,384 inputs) with some derived records.
    public static let defaultBacklogRecords = 65_536

    let log: EventLog
    let backlogLimitRecords: Int
    private let lock = NIOLock()
    // Guarded by `lock`.
    private var publishedSeq: Seq
    private var live: [ObjectIdentifier: Subscription] = [:]
    private var activeCount = 0
    private let gauge = Gauge(label: "solvent_subscribers")

    init(log: EventLog, backlogLimitRecords: Int = defaultBacklogRecords) {
        precondition(backlogLimitRecords > 0, "a subscriber needs room for at least one record")
        self.log = log
        self.backlogLimitRecords = backlogLimitRecords
        publishedSeq = log.lastSeq
        gauge.record(0)
    }

    /// Starts a subscription on `channel`: catch-up from `from` (nil: only records committed from
    /// now on), then live. The channel carries only record lines from here on.
    func subscribe(channel: any Channel, from: Seq?, kinds: KindFilter) {
        let subscription = Subscription(channel: channel, kinds: kinds, hub: self)
        lock.withLock {
            activeCount += 1
            gauge.record(activeCount)
        }
        channel.closeFuture.whenComplete { [self] _ in remove(subscription) }
        subscription.start(from: from)
    }

    /// Called by the committer thread once a group whose last record is `lastSeq` is durable;
    /// `gather` gives the group's records in seq order, and is called (under the hub's lock)
    /// only when a subscription is live.
    func publish(through lastSeq: Seq, _ gather: () -> [Record]) {
        var records: [Record] = []
        var deliveries: [(Subscription, fromSeq: Seq, count: Int)] = []
        var tooSlow: [Subscription] = []
        lock.withLock {
            publishedSeq = lastSeq
            if !live.isEmpty { records = gather() }
            for (id, subscription) in live {
                let from = subscription.liveFromSeq
                var count = 0
                for record in records where record.seq >= from && subscription.kinds.selects(record.kind) { count += 1 }
                guard count > 0 else { continue }
                if subscription.backlogRecords + count > backlogLimitRecords {
                    live.removeValue(forKey: id)
                    tooSlow.append(subscription)
                } else {
                    subscription.backlogRecords += count
                    deliveries.append((subscription, from, count))
                }
            }
        }
        for (subscription, from, count) in deliveries { subscription.sendLive(records, fromSeq: from, count: count) }
        for subscription in tooSlow { subscription.disconnectSlow(limit: backlogLimitRecords) }
    }

    /// Makes `subscription` live from `nextSeq` (nil: the next record published) if no record it
    /// has not read was published yet; false means read the log again first.
    func goLive(_ subscription: Subscription, from nextSeq: Seq?) -> Bool {
        lock.withLock {
            let from = nextSeq ?? publishedSeq + 1
            guard publishedSeq < from, subscription.channel.isActive else { return false }
            subscription.liveFromSeq = from
            live[ObjectIdentifier(subscription)] = subscription
            return true
        }
    }

    /// `count` records of `subscription`'s backlog reached its socket.
    func release(_ subscription: Subscription, count: Int) {
        lock.withLock { subscription.backlogRecords -= count }
    }

    private func remove(_ subscription: Subscription) {
        lock.withLock {
            live.removeValue(forKey: ObjectIdentifier(subscription))
            activeCount -= 1
            gauge.record(activeCount)
        }
    }

    /// Subscriptions open now (catching up or live).
    var subscriberCount: Int { lock.withLock { activeCount } }
}
