import Foundation
import SolventCluster
@testable import SolventDrills

/// Runs `body` with a fresh etcd and two cluster nodes, node-a and node-b (not started), with
/// --sync-replicas `syncReplicas` and a 2 s lease; every node still running is killed after.
/// Without etcd it returns without running `body`, except under CI=true, where it fails.
func withTwoNodeCluster(syncReplicas: Int, _ body: (LocalEtcd, ClusterProcesses) async throws -> Void) async throws {
    guard LocalEtcd.executablePath() != nil || ProcessInfo.processInfo.environment["CI"] == "true" else {
        print("skipped: etcd is not installed (tools/ensure-etcd installs it; under CI=true this fails)")
        return
    }
    let daemonPath = try solventdPath()
    try await withTemporaryDirectory { directory in
        let etcd = try await LocalEtcd.start(directory: directory)
        defer { etcd.stop() }
        let key = directory + "/replication.key"
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: key))
        let config = directory + "/solventd.json"
        try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: config))
        let nodes = ClusterProcesses(daemonPath: daemonPath, directory: directory, ids: ["node-a", "node-b"], ports: try FreePorts.take(2),
                                     etcd: etcd.endpoint, keyFile: key, syncReplicas: syncReplicas, leaseSeconds: 2, config: config)
        defer { nodes.killAll() }
        try await body(etcd, nodes)
    }
}
