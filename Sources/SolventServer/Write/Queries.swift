import NIOPosix
import SolventCore
import SolventProtocol
import SolventStore

/// The group's clock tick and queries, answered on the writer thread once its appends are
/// committed, so each sees the state with every append before it. An account at a past seq is
/// the exception: its replay runs on NIO's blocking thread pool (`answerPast`).
extension GroupStaging {
    /// Ticks and queries, answered once the group's appends are committed: after a tick its
    /// outcome, after an append the state with it.
    func answerTicksAndQueries(_ group: inout Group) {
        for tick in group.ticks { group.outbox.add(.ticked(group.clock), for: group.work[tick]) }
        for query in group.queries {
            if case .account(let id, let at?) = group.work[query].request, at < journal.log.lastSeq {
                answerPast(id, at: at, to: group.work[query])
            } else {
                group.outbox.add(answer(group.work[query].request), for: group.work[query])
            }
        }
    }

    /// An account as it was after a past record: the nearest snapshot plus a replay, which can
    /// take a while, so it runs in its own read transaction on NIO's blocking pool, not on the
    /// committer's thread; the answer goes straight to the connection, which keeps it in request
    /// order. (The records up to `at` are committed and never change, so the answer is the same
    /// whenever it is computed.)
    private func answerPast(_ id: AccountID, at seq: Seq, to query: Submission) {
        let log = journal.log
        let target = query.target
        let index = query.index
        NIOThreadPool.singleton.submit { state in
            let response: Response
            if case .cancelled = state {
                response = .refused(key: nil, InputError(code: "shutting_down", message: "the server is shutting down"))
            } else {
                response = Self.pastAccount(id, at: seq, log)
            }
            target.deliver([IndexedResponse(index: index, response: response)])
        }
    }

    private static func pastAccount(_ id: AccountID, at seq: Seq, _ log: EventLog) -> Response {
        let ledger: Ledger
        do { ledger = try log.ledger(at: seq) } catch {
            return .refused(key: nil, InputError(code: "read_failed", message: "the state at seq \(seq) could not be rebuilt: \(error)"))
        }
        guard let view = ledger.account(id) else {
            return .refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                 message: "account \(id) does not appear in the log up to seq \(seq)"))
        }
        return .account(view)
    }

    private func answer(_ query: Request) -> Response {
        switch query {
        case .status:
            let head = journal.log.head
            return .status(seq: head.seq, headHash: head.hash, timeMs: max(nowMs(), head.time), rules: journal.log.rules, cluster: clusterRole)
        case .account(let id, _):  // `at` at or past the head: the state now.
            guard let view = journal.ledger.account(id) else {
                return .refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                     message: "account \(id) does not appear in the log"))
            }
            return .account(view)
        case .append, .appendBatch, .clockTick, .subscribe:
            preconditionFailure("appends and ticks are committed and subscriptions served by the hub, not answered as queries")
        }
    }
}
