import Logging
import SolventCluster
import SolventReplication
#if canImport(Glibc)
import Glibc
#endif

/// A node's etcd lease, which its member key and (while it leads) the leader key are attached
/// to, kept alive every third of its TTL. Each renewal moves the node's `LeaseFence`: a leader
/// acknowledges only while the fence holds. A lease etcd no longer knows (the node was paused or
/// cut off past its TTL) means another node may lead by now: the node steps down.
final class LeaseKeeper: Sendable {
    let etcd: EtcdClient
    let lease: EtcdLease
    let fence: LeaseFence
    let logger: Logger

    private init(etcd: EtcdClient, lease: EtcdLease, fence: LeaseFence, logger: Logger) {
        self.etcd = etcd
        self.lease = lease
        self.fence = fence
        self.logger = logger
    }

    /// Grants a lease of `ttlSeconds`; the fence counts from the moment the request was sent.
    static func grant(_ etcd: EtcdClient, ttlSeconds: Int64, logger: Logger) async throws -> LeaseKeeper {
        let fence = LeaseFence(margin: .milliseconds(ttlSeconds * 1_000 / 5))
        let sentAt = ContinuousClock.now
        let lease = try await etcd.grantLease(ttlSeconds: ttlSeconds)
        fence.renewed(sentAt: sentAt, ttl: .seconds(lease.ttlSeconds))
        logger.info("etcd lease granted", metadata: ["lease": "\(lease.id)", "ttl": "\(lease.ttlSeconds)s"])
        return LeaseKeeper(etcd: etcd, lease: lease, fence: fence, logger: logger)
    }

    /// Renews until cancelled; a lease etcd has dropped ends the process (`StepDown`).
    func run() async {
        let interval = Duration.seconds(lease.ttlSeconds) / 3
        while !Task.isCancelled {
            let sentAt = ContinuousClock.now
            do {
                let ttl = try await etcd.keepAlive(lease.id)
                fence.renewed(sentAt: sentAt, ttl: .seconds(ttl))
            } catch EtcdError.leaseNotFound {
                StepDown.now(fence: fence, "etcd no longer knows lease \(lease.id) (this node was paused or cut off past its TTL)", logger: logger)
            } catch {
                if Task.isCancelled { return }
                logger.warning("etcd lease renewal failed: \(error)", metadata: ["lease": "\(lease.id)"])
            }
            try? await Task.sleep(for: fence.isValid ? interval : .milliseconds(200))
        }
    }

    /// Hands the lease back (a graceful stop): the keys attached to it go at once, so the
    /// others need not wait out the TTL.
    func revoke() async {
        fence.revoke()
        do { try await etcd.revoke(lease.id) } catch { logger.warning("etcd lease revoke failed: \(error)") }
    }
}

/// How a node leaves a role it may no longer hold: acknowledge nothing more, then exit with
/// EX_TEMPFAIL (75) so that its service manager starts it again (the units say
/// `Restart=always`): it comes back as a standby, drops the tail no standby acknowledged
/// (the fork point, `ForkPoint`) and follows. Exiting, not unwinding: the log is LMDB, whose
/// committed state a process's death cannot harm, and no half-torn-down writer can answer.
enum StepDown {
    static let exitCode: Int32 = 75

    static func now(fence: LeaseFence, _ reason: String, logger: Logger) -> Never {
        fence.revoke()
        logger.critical("stepping down: \(reason); exiting \(exitCode) to come back as a standby")
        exit(exitCode)
    }
}
