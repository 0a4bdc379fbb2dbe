import SolventCore
import SolventProtocol
import SolventStore

/// A group staged on the committer thread (`GroupStaging.stage`), waiting for its commit:
/// everything the commit and the answers need, and nothing of the state.
struct StagedGroup: Sendable {
    var group: Group
    /// The records to commit, with the snapshot the state called for.
    var batch: StagedBatch
    /// Per input of the batch (the group's fresh appends, then its `clock` if any): where its
    /// records are in `batch.records` (its own first), or its refusal.
    var results: [Result<Range<Int>, InputError>]
    /// Per batch append of the group, its reply once committed (`Group.batchReplies`; nil for
    /// one answered already).
    var batchReplies: [Response?]
    var stagingDuration: Duration

    /// Every fresh append of the group refused with `failure` (its commit, or the commit of the
    /// group staged before it, failed: nothing of it was appended).
    mutating func refuseFresh(_ failure: InputError) {
        for index in group.keys.indices { group.answer(index, .refused(key: group.keys[index], failure)) }
    }

    /// Answers each fresh append from its committed records; returns how many were appended
    /// and the last seq the group appended.
    mutating func answerCommitted() -> (appended: Int, lastSeq: Seq?) {
        var lastSeq: Seq?
        var appended = 0
        for index in group.keys.indices {
            if group.fresh[index].batch >= 0 {
                if case .success(let range) = results[index] {
                    lastSeq = batch.records[range.upperBound - 1].seq
                    appended += 1
                }
                continue
            }
            switch results[index] {
            case .success(let range):
                group.answer(index, .appended(key: group.keys[index], seq: batch.records[range.lowerBound].seq,
                                              derived: Self.derived(batch.records, range)))
                lastSeq = batch.records[range.upperBound - 1].seq
                appended += 1
            case .failure(let error):
                group.answer(index, .refused(key: group.keys[index], error))
            }
        }
        if group.clock, case .success(let range)? = results.last { lastSeq = batch.records[range.upperBound - 1].seq }
        for batch in group.batches.indices where !group.batches[batch].answered {
            if let reply = batchReplies[batch] { group.answerBatchOnce(batch, reply) }
        }
        return (appended, lastSeq)
    }

    /// The records an input derived (those after its own in `range`): no array for the usual
    /// input that derives nothing.
    static func derived(_ records: [Record], _ range: Range<Int>) -> [DerivedRef] {
        range.count == 1 ? [] : records[range.dropFirst()].map { DerivedRef(seq: $0.seq, kind: $0.kind) }
    }

    /// Every record the group appended, in seq order: the accepted inputs' (the clock's last).
    func committedRecords() -> [Record] { batch.records }

    /// What the metrics observer is told of the committed group.
    func report(commitDuration: Duration) -> CommitReport {
        var byKind = [Int](repeating: 0, count: 256)
        for index in batch.records.indices { byKind[Int(batch.records[index].kind.rawValue)] += 1 }
        return CommitReport(requests: group.work.count, recordsByKind: byKind, commitDuration: commitDuration,
                            lastSeq: batch.lastSeq)
    }
}
