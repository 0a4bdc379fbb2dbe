/// The writer's two decisions about a group, as plain values (like `GroupCommitWindow`): how
/// much of a long queue one group takes, and whether a staged group is handed to the durable
/// stage (`DurableStage`) or committed by the writer itself.
struct HandOff: Sendable {
    /// A bound on the inputs of one commit; more pending waits for the next one.
    static let maxGroupRequestsDefault = 16_384
    /// A group at least this large goes to the durable stage even with nothing queued behind
    /// it (its clients' next requests come while it commits), and twice as much pending with
    /// nothing in flight is taken in two halves, so that the second is staged while the first
    /// commits. Well above the 64 one-request clients' groups, which stay whole and inline.
    static let pipelineRequestsDefault = 256

    /// A bound on the events of one group, which batch appends reach long before its requests
    /// do: one transaction well under the log's `maxBatchRecords` (1,048,576) with what the
    /// events derive, and answers that do not wait behind a huge commit.
    static let maxGroupEventsDefault = 65_536

    var maxGroupRequests = HandOff.maxGroupRequestsDefault
    var pipelineRequests = HandOff.pipelineRequestsDefault
    var maxGroupEvents = HandOff.maxGroupEventsDefault

    /// How many of `queued` requests the next group takes. One pipelining client's whole window
    /// (1,024) taken at once leaves nothing to stage while it commits, and every window after it
    /// comes whole too; so a queue of 512 or more is taken in two halves with nothing
    /// committing, and by halves of no fewer than 512 while a group commits: two groups of ~512
    /// then take turns staging and committing. Taking the whole queue in the second case,
    /// as first built, fell back into whole windows in about one run in three (groups of ~755,
    /// 225k NDJSON events/s against 265–285k; docs/INGEST.md, "Groups capped while one commits").
    func groupLimit(queued: Int, inFlight: Bool) -> Int {
        let pair = 2 * pipelineRequests
        guard queued >= pair else { return maxGroupRequests }
        let half = (queued + 1) / 2
        return min(maxGroupRequests, inFlight ? max(half, pair) : half)
    }

    /// Whether a staged group of `inputs` (events staged; a batch counts each) goes to the durable stage: it is large, or work is
    /// queued behind it that the writer would take at once (`takenAtOnce`: the window would not
    /// wait for more arrivals first, or the writer is stopping). Otherwise one client waiting
    /// alone gains nothing from the hand-off, and the writer commits the group itself.
    /// `behind` is asked only for a small group (it takes the queue's lock).
    func handsOver(inputs: Int, behind: () -> (queued: Bool, takenAtOnce: Bool)) -> Bool {
        if inputs >= pipelineRequests { return true }
        let (queued, takenAtOnce) = behind()
        return queued && takenAtOnce
    }
}
