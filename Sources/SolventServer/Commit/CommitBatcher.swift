import SolventCore
import SolventStore

/// One group commit, as plain logic over the journal (no threads): idempotent keys answered from
/// the log, receipt times stamped, every fresh input appended in one transaction with each
/// refusal kept to its own request, then every reply sent.
final class CommitBatcher {
    let journal: Journal
    let nowMs: @Sendable () -> TimeMs

    init(journal: Journal, nowMs: @escaping @Sendable () -> TimeMs) {
        self.journal = journal
        self.nowMs = nowMs
    }

    private struct Fresh {
        var key: String
        var time: TimeMs?
        var event: Event
        /// The request and any later one in the same batch with the same key.
        var replies: [ReplySink]
    }

    func commit(_ work: [(Request, ReplySink)]) {
        var fresh: [Fresh] = []
        var freshIndex: [String: Int] = [:]
        var queries: [(Request, ReplySink)] = []
        for (request, reply) in work {
            guard case .append(let key, let time, let event) = request else {
                queries.append((request, reply))
                continue
            }
            if let index = freshIndex[key] {
                fresh[index].replies.append(reply)
            } else if let answer = storedAnswer(key: key) {
                reply(answer)  // Already durable: the first append of this key committed earlier.
            } else {
                freshIndex[key] = fresh.count
                fresh.append(Fresh(key: key, time: time, event: event, replies: [reply]))
            }
        }
        if !fresh.isEmpty { append(fresh) }
        for (request, reply) in queries { reply(answer(request)) }
    }

    private func append(_ fresh: [Fresh]) {
        let inputs = stamped(fresh)
        let results: [Result<[Record], InputError>]
        do { results = try journal.appendAccepted(inputs) } catch {
            // A full disk or map is the client's to know (retry later); other failures are internal.
            let code = (error as? StoreError)?.code == "storage_full" ? "storage_full" : "commit_failed"
            let failure = InputError(code: code, message: "the log could not commit: \(error)")
            for entry in fresh { for reply in entry.replies { reply(Reply.refused(key: entry.key, failure)) } }
            return
        }
        for (entry, result) in zip(fresh, results) {
            let line: String
            switch result {
            case .success(let records):
                line = Reply.appended(key: entry.key, seq: records[0].seq,
                                      derived: records.dropFirst().map { ($0.seq, $0.kind) })
            case .failure(let error):
                line = Reply.refused(key: entry.key, error)
            }
            for reply in entry.replies { reply(line) }
        }
    }

    /// Inputs without `time` get the receipt time, never before the log's (or an earlier
    /// input's) time: max(now, last). An explicit earlier time is left for the journal to refuse.
    private func stamped(_ fresh: [Fresh]) -> [JournalInput] {
        let now = nowMs()
        var lastMs = journal.log.lastTime
        return fresh.map { entry in
            let time = entry.time ?? max(now, lastMs)
            lastMs = max(lastMs, time)
            return JournalInput(time: time, event: entry.event, key: entry.key)
        }
    }

    /// The reply the first append of `key` got: its seq and the records it derived (those right
    /// after it whose cause is its seq); nil if the key was never appended.
    func storedAnswer(key: String) -> String? {
        do {
            guard let seq = try journal.seq(forKey: key) else { return nil }
            var derived: [(seq: Seq, kind: EventKind)] = []
            try journal.log.read { reader in
                try reader.forEachBorrowed(from: seq + 1, through: nil) { stored in
                    let record = try RecordCodec.decode(stored.bytes)
                    guard record.cause == seq else { return false }
                    derived.append((record.seq, record.kind))
                    return true
                }
            }
            return Reply.appended(key: key, seq: seq, derived: derived)
        } catch {
            return Reply.refused(key: key, InputError(code: "read_failed", message: "the log could not be read: \(error)"))
        }
    }

    private func answer(_ query: Request) -> String {
        switch query {
        case .status:
            let head = journal.log.head
            return Reply.status(seq: head.seq, headHash: head.hash, timeMs: max(nowMs(), head.time))
        case .account(let id):
            guard let view = journal.ledger.account(id) else {
                return Reply.refused(key: nil, InputError(code: "unknown_account", field: "account",
                                                          message: "account \(id) does not appear in the log"))
            }
            return Reply.account(view)
        case .append:
            preconditionFailure("appends are committed, not answered as queries")
        }
    }
}
