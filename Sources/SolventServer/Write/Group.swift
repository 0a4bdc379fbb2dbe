import SolventCore
import SolventProtocol
import SolventStore

/// A fresh append of a group: where its request is in `work`, and whether it named its time.
/// Its key, event and time are in the group's `inputs` at the same position, moved there out of
/// the request: copying each event from request to `Fresh` to `JournalInput` (and destroying
/// every copy) was about a tenth of the committer's time (perf, one pipelining client).
struct Fresh: Sendable {
    var submission: Int
    var timed: Bool
    /// The batch append this input is an event of (an index into `Group.batches`), or -1.
    var batch: Int32 = -1
    /// Later requests of the group with the same key and event (retries; rare): an index into
    /// `Group.repeats`, or -1, so that the usual `Fresh` holds no reference at all.
    var repeats = -1
}

/// The requests of one group commit, sorted (`GroupStaging.prepare`): its fresh appends in
/// arrival order with what waits for each, its queries and ticks, and the answers so far.
struct Group: Sendable {
    var work: [Submission]
    var inputs: [JournalInput] = []
    /// The inputs' keys, kept apart for the lookups and answers once the inputs are handed on.
    var keys: [String] = []
    var fresh: [Fresh] = []
    var repeats: [[Int]] = []
    /// The group's batch appends (GroupBatches.swift); their events' inputs are among `inputs`,
    /// in arrival order with the single appends.
    var batches: [BatchAppend] = []
    /// Every append's key (by bytes, as `requests` holds keys: canonically equivalent strings
    /// are two keys) → its fresh append: how repeats in the group are found, and, while the
    /// group commits, how the committer finds a later group's retry of one of its keys.
    var freshIndex: [KeyBytes: Int] = [:]
    /// Positions in `work` of the queries and the clock ticks.
    var queries: [Int] = []
    var ticks: [Int] = []
    /// Whether a `clock` input was staged after the appends (a tick and an engine awaiting time).
    var clock = false
    var outbox = Outbox()

    init(work: consuming [Submission]) { self.work = work }

    /// Queries and ticks read the state and the log after their group: such a group is
    /// committed alone, after every group before it (`Committer`).
    var needsInlineCommit: Bool { !queries.isEmpty || !ticks.isEmpty }

    /// A later request is a retry of fresh append `index` only if it repeats it exactly:
    /// the same event, and no explicit time or that one's (its receipt time is not known
    /// yet, so an explicit time cannot be checked against it).
    func isRetry(of index: Int, event: Event, time: TimeMs?) -> Bool {
        inputs[index].event == event && (time == nil || fresh[index].timed && time == inputs[index].time)
    }

    mutating func addRepeat(of index: Int, submission: Int) {
        if fresh[index].repeats < 0 {
            fresh[index].repeats = repeats.count
            repeats.append([])
        }
        repeats[fresh[index].repeats].append(submission)
    }

    /// Every request waiting for fresh append `index`'s answer gets `response`; an event of a
    /// batch answers its batch as a whole (once: a stored key, or a failed commit).
    mutating func answer(_ index: Int, _ response: Response) {
        if fresh[index].batch >= 0 { return answerBatchOnce(Int(fresh[index].batch), response) }
        answer(submission: fresh[index].submission, response)
        guard fresh[index].repeats >= 0 else { return }
        for submission in repeats[fresh[index].repeats] { answer(submission: submission, response) }
    }

    /// By the request's fields: `work[submission]` as a whole was a copy of the submission.
    mutating func answer(submission: Int, _ response: Response) {
        outbox.add(response, index: work[submission].index, target: work[submission].target)
    }

    /// The fresh append's explicit time, if it named one.
    func explicitTime(_ index: Int) -> TimeMs? { fresh[index].timed ? inputs[index].time : nil }

    /// Whether a key of this group's fresh appends is among `keys` (another group's `freshIndex`).
    func sharesKey(with keys: [KeyBytes: Int]) -> Bool {
        !keys.isEmpty && self.keys.indices.contains { startsKey($0) && keys[KeyBytes(self.keys[$0])] != nil }
    }

    /// Whether fresh input `index` has a key of its own, or is the first event of its batch:
    /// the others share that event's key.
    func startsKey(_ index: Int) -> Bool {
        fresh[index].batch < 0 || index == 0 || fresh[index - 1].batch != fresh[index].batch
    }

    /// The position after the last event of the batch whose events start at `index`.
    func endOfBatch(from index: Int) -> Int {
        var end = index + 1
        while end < fresh.count && fresh[end].batch == fresh[index].batch { end += 1 }
        return end
    }
}
