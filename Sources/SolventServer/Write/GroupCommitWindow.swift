/// When the committer starts the next group commit: at once, or after a short wait for more.
///
/// With many clients that each keep one request in flight, one commit's acknowledgements send
/// all of them back at once, but their next requests reach the committer spread over the time
/// the event loop takes to answer and read them. Starting the next commit on the first arrivals
/// commits them nearly alone while the rest arrive during that commit and wait for the one
/// after: measured with 64 such clients, groups settle at about 32 (two halves taking turns)
/// or alternate tiny and large, and every request waits for about two commits. So, like
/// PostgreSQL's `commit_delay` with `commit_siblings`
/// (https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-COMMIT-DELAY), after a
/// group that answered several connections the committer waits for as many arrivals as that
/// group had connections, and commits as soon as they are in. The wait is bounded by the
/// configured `commitDelayUs` and by how long the previous commit took: a request that misses
/// a group waits for that group's whole commit before its own begins, so waiting for it up to
/// one commit's duration costs the requests already pending no more than it saves it — on a
/// fast disk the wait stays short, on a slow one it can fill the group. A lone client (one
/// connection last time) and a pipelining one are never delayed, and a wait that ends short
/// lowers the next expectation, so a load that drops costs at most one wait.
/// Plain logic: the committer owns the clock and the waiting.
struct GroupCommitWindow: Sendable, Equatable {
    /// The default `commitDelayUs`: about the time one event loop of this machine takes to
    /// answer and read 64 one-request clients, half the 2 ms acknowledgement target.
    static let defaultDelayUs: UInt64 = 1_000
    /// The longest wait the configuration accepts (10 ms): more is a latency nobody wants.
    static let maxDelayUs: UInt64 = 10_000
    /// A previous group that answered fewer connections than this does not make the next one
    /// wait (PostgreSQL's `commit_siblings`): one busy connection gains nothing from waiting.
    static let minimumConnections = 2

    /// The configured bound on a wait, in nanoseconds; 0 never waits.
    let maxDelayNs: UInt64
    /// Connections the previous group answered: how many arrivals to expect before the next.
    private(set) var expectedArrivals = 0
    /// How long the previous group took to commit and answer.
    private(set) var lastCommitNs: UInt64 = 0

    init(delayUs: UInt64 = GroupCommitWindow.defaultDelayUs) {
        precondition(delayUs <= Self.maxDelayUs, "commit delay \(delayUs) us is over \(Self.maxDelayUs) us")
        maxDelayNs = delayUs * 1_000
    }

    /// The longest the next wait may last: the configured bound or the previous commit's
    /// duration, whichever is shorter.
    var delayNs: UInt64 { min(maxDelayNs, lastCommitNs) }

    /// With `pendingArrivals` submissions queued (a connection's requests of one read are one
    /// arrival), the number to wait for (for at most `delayNs`) before committing, or nil to
    /// commit now.
    func arrivalsToAwait(pendingArrivals: Int) -> Int? {
        guard delayNs > 0, expectedArrivals >= Self.minimumConnections, pendingArrivals < expectedArrivals else {
            return nil
        }
        return expectedArrivals
    }

    /// A group answered `connections` distinct connections and took `durationNs` to commit
    /// and answer.
    mutating func committed(connections: Int, durationNs: UInt64) {
        expectedArrivals = connections
        lastCommitNs = durationNs
    }
}
