import Logging
import ServiceLifecycle
import SolventCluster
import SolventCore
import SolventServer

/// The elected node's watch over its leadership: its member key says it leads and how far its
/// log is; the leader key must stay the one it created and its lease must hold, or it steps
/// down at once (`StepDown`). A graceful stop fences first (acknowledges nothing more), then
/// hands the leader key and the lease back, so the standbys elect a successor without waiting
/// out the TTL; requests still draining are answered `not_leader` and retried there.
struct ClusterLeaderService: Service {
    let node: ClusterNode
    let epoch: UInt64
    let server: SolventServer
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await watch() }
        } catch is CancellationError {}
        node.keeper.fence.revoke()
        _ = try? await node.etcd.deleteIf(node.keys.leader, createRevision: Int64(epoch))
        await node.leave()
        logger.info("resigned leadership", metadata: ["epoch": "\(epoch)"])
    }

    /// `read` is the leader key as etcd has it (nil: etcd did not answer, and the fence decides,
    /// its renewals failing too): it must still be the one this node created.
    private func checkLeaderKey(_ read: EtcdKeyValue??) {
        guard case .some(let leader) = read else { return }
        guard let leader else {
            StepDown.now(fence: node.keeper.fence, "the leader key was removed (a switchover, or the lease ended)", logger: logger)
        }
        if UInt64(clamping: leader.createRevision) != epoch {
            StepDown.now(fence: node.keeper.fence, "the leader key is another's now (epoch \(leader.createRevision))", logger: logger)
        }
    }

    private func watch() async throws {
        var published: Seq?
        while true {
            if !node.keeper.fence.isValid {
                StepDown.now(fence: node.keeper.fence, "the lease could not be renewed in time", logger: logger)
            }
            let read: EtcdKeyValue??
            do { read = .some(try await node.etcd.get(node.keys.leader)) } catch { read = nil }
            checkLeaderKey(read)
            let seq = server.log.lastSeq
            if seq != published {
                try? await node.publish(.leader, seq: seq)
                published = seq
            }
            try await Task.sleep(for: ClusterNode.pollInterval)
        }
    }
}
