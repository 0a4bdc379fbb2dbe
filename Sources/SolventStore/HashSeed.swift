import Foundation
import SolventCore

/// The process-wide seed of the ledger's id hash tables (`Ledger.setIdentifierHashSeed`): the
/// core takes no randomness, so the executables call `seedIdentifierHashes()` once at start.
public enum HashSeed {
    /// Seeds from `SOLVENT_HASH_SEED` when set (a decimal `UInt64`, to reproduce a layout), else
    /// from the system's random numbers. Outputs never depend on it; only probe chains do.
    public static func seedIdentifierHashes() {
        if let text = ProcessInfo.processInfo.environment["SOLVENT_HASH_SEED"], let seed = UInt64(text) {
            Ledger.setIdentifierHashSeed(seed)
            return
        }
        var generator = SystemRandomNumberGenerator()
        Ledger.setIdentifierHashSeed(generator.next())
    }
}
