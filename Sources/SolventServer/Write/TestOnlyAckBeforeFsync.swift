import Foundation

/// TEST ONLY, never in production: `SOLVENT_TEST_ACK_BEFORE_FSYNC=1` in the environment makes
/// every group's append answers leave BEFORE its write transaction (and so its fsync) instead of
/// after it — the bug that "acknowledged means synced" forbids, on purpose. It exists so that the
/// ack-after-fsync check (Tests/SolventDaemonTests/AckAfterFsyncTests.swift, docs/RELIABILITY.md)
/// can show that it fails when the order is wrong; a kill -9 keeps the page cache, so the crash
/// drill cannot tell. Read once, at first use; any other value than "1" leaves it off. When on,
/// a warning goes to stderr at once, and `solventd` logs a critical line at start.
public enum TestOnlyAckBeforeFsync {
    public static let environmentVariable = "SOLVENT_TEST_ACK_BEFORE_FSYNC"

    public static let isEnabled: Bool = {
        guard ProcessInfo.processInfo.environment[environmentVariable] == "1" else { return false }
        let warning = "WARNING: \(environmentVariable)=1: TEST ONLY — appends are acknowledged BEFORE their commit is "
            + "durable; an acknowledged append can be lost on a power failure. Never set this outside the test suite.\n"
        FileHandle.standardError.write(Data(warning.utf8))
        return true
    }()
}
