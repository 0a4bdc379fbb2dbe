import Foundation
import SolventCluster
import SolventDrills
import Testing

/// The short version of tools/cluster-test (issue 26): a real etcd and three solventd nodes on
/// loopback with --sync-replicas 1, the leader killed with SIGKILL in round 1 and paused past its
/// lease with SIGSTOP in round 2, under load from three clients.
@Suite struct ClusterDrillTests {
    @Test(.timeLimit(.minutes(5))) func failoverLosesNothingAcknowledgedAndAPausedLeaderStepsDown() async throws {
        guard LocalEtcd.executablePath() != nil || ProcessInfo.processInfo.environment["CI"] == "true" else {
            print("skipped: etcd is not installed (tools/ensure-etcd installs it; under CI=true this fails)")
            return
        }
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            var drill = ClusterDrill(daemonPath: daemonPath, directory: directory + "/cluster", rounds: 2, clients: 3,
                                     syncReplicas: 1, leaseSeconds: 2, runMs: 300...600)
            // Inside the loaded suite; tools/cluster-test holds the 2 s of issue 26.
            drill.failoverSlack = .seconds(20)
            let report = try await drill.run()
            #expect(report.passed, "\(report)")
            #expect(report.kills == 1 && report.pauses == 1 && report.stepDowns == 1, "\(report)")
            #expect(report.headsEqual && report.verifyFailures.isEmpty, "\(report)")
            #expect(report.description.contains("lost=0 duplicated=0"), "\(report)")
        }
    }
}
