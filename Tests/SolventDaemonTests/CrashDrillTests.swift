import Foundation
import SolventDrills
import Testing

@Suite struct CrashDrillTests {
    /// The short version of tools/crash-test: two rounds under load from three clients, one kill
    /// in the SIGTERM drain and one during recovery among them.
    @Test func nothingAcknowledgedIsLostOrDuplicatedAcrossKills() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let drill = CrashDrill(daemonPath: daemonPath, directory: directory + "/drill", rounds: 2, clients: 3, runMs: 150...400)
            let report = try await drill.run()
            #expect(report.passed, "\(report)")
            #expect(report.acked > DrillExpectations.minimumAcked, "\(report)")
            #expect(report.lost == 0 && report.duplicated == 0 && report.verifyFailure == nil)
            #expect(report.roundAcks.count == 2 && report.roundAcks.allSatisfy { $0 > 0 }, "\(report.roundAcks)")
            #expect(report.pendingAtEnd == 0 && report.refusedLogged == 0)
            #expect(report.recoveryKills == 1 && report.drainKills == 1, "\(report)")
        }
    }
}

enum DrillExpectations {
    /// The set-up alone acknowledges 10 keys; load must add to them.
    static let minimumAcked = 10
}
