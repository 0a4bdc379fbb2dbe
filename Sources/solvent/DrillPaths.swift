import Foundation
import SolventBench

/// What the drill commands (`crash-test`, `cluster-test`) use when not told.
enum DrillPaths {
    /// The `solventd` next to this `solvent`, found as the bench finds it (through
    /// `/proc/self/exe`, so also when `solvent` was started by name from `PATH`).
    static func daemon(_ given: String?) -> String { given ?? BenchDaemon.defaultExecutable() }

    /// `given`, or a new directory name under the temporary directory.
    static func workDirectory(_ given: String?, prefix: String) -> String {
        given ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UInt32.random(in: .min ... .max))").path
    }
}
