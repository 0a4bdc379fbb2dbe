import SolventCore

/// One committed group, as the committer saw it.
public struct CommitReport: Sendable {
    /// Requests in the group (appends, retries, queries, ticks).
    public var requests: Int
    /// Records appended, per kind (indexed by `EventKind.rawValue`; 256 entries).
    public var recordsByKind: [Int]
    /// Staging, the write transaction and its fsync (not the wait for the group before it).
    public var commitDuration: Duration
    /// The last seq the group appended; nil if it appended nothing.
    public var lastSeq: Seq?

    public init(requests: Int, recordsByKind: [Int], commitDuration: Duration, lastSeq: Seq?) {
        self.requests = requests
        self.recordsByKind = recordsByKind
        self.commitDuration = commitDuration
        self.lastSeq = lastSeq
    }
}

/// Told about every group commit that staged something, in two steps, since a group is staged
/// on the committer thread and may be committed on another one while the next is staged
/// (docs/PROTOCOL.md, "Group commit").
public protocol CommitObserver: Sendable {
    /// On the committer thread, which owns the state, right after a group's inputs were applied
    /// to it, before its commit: read the state here (engine figures), do not keep it (a copy
    /// kept would make the next in-place apply copy the whole state). A commit that then fails
    /// rebuilds the state; the next group's call shows it.
    func staged(ledger: borrowing Ledger)
    /// After the group's commit returned, before any of its answers leave (so a client that has
    /// its answers finds them counted), on whichever thread committed it; calls never overlap.
    /// Not called for a commit that failed.
    func committed(_ report: CommitReport)
}
