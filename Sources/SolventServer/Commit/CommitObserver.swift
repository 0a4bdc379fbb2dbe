import SolventCore

/// One committed group, as the committer saw it.
public struct CommitReport: Sendable {
    /// Requests in the group (appends, retries, queries, ticks).
    public var requests: Int
    /// Records appended, per kind (indexed by `EventKind.rawValue`; 256 entries).
    public var recordsByKind: [Int]
    /// Staging, the write transaction and its fsync.
    public var commitDuration: Duration
}

/// Told about every group that appended something, on the committer thread, right after the
/// commit and before the replies. `ledger` is the state after the commit: read it there, do not
/// keep it (a copy kept would make the next in-place apply copy the whole state).
public protocol CommitObserver: Sendable {
    func committed(_ report: CommitReport, ledger: borrowing Ledger)
}
