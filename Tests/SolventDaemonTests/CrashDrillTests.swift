import Foundation
import SolventDaemon
import Testing

@Suite struct CrashDrillTests {
    /// The short version of tools/crash-test: two kills under load from three clients.
    @Test func nothingAcknowledgedIsLostOrDuplicatedAcrossKills() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let drill = CrashDrill(daemonPath: daemonPath, directory: directory + "/drill", rounds: 2, clients: 3, runMs: 150...400)
            let report = try await drill.run()
            #expect(report.passed, "\(report)")
            #expect(report.acked > DrillExpectations.minimumAcked, "\(report)")
            #expect(report.lost == 0 && report.duplicated == 0 && report.verifyFailure == nil)
        }
    }
}

enum DrillExpectations {
    /// The set-up alone acknowledges 10 keys; load must add to them.
    static let minimumAcked = 10
}
