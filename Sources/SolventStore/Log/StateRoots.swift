import Crypto
import SolventCore

/// SHA-256 for the state roots of SolventCore's `MerkleTree` (docs/FORMAT.md "State roots").
public enum StateHash {
    /// The digest copied out in one go: iterating it byte by byte was a visible part of a
    /// root's cost (200k hashes per root with 100k accounts).
    @Sendable public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        SHA256.hash(data: bytes).withUnsafeBytes { Array($0) }
    }
}

extension EventLog {
    /// The log's `state.root` rule: every `snapshotEvery` records as stored by `init` (the default
    /// when none was), hashed with SHA-256. Read from the log, not from a process's options, so
    /// every writer and every replay of this log decide alike.
    public var stateRoots: StateRootPolicy {
        StateRootPolicy(everyRecords: snapshotEvery ?? Self.defaultSnapshotEvery, hash: StateHash.sha256)
    }

    /// `solvent init`'s default snapshot interval.
    public static let defaultSnapshotEvery: UInt64 = 100_000
}
