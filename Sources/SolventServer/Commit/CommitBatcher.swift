import SolventCore
import SolventStore

/// One group commit, as plain logic over the journal (no threads): idempotent keys answered from
/// the log, receipt times stamped, every fresh input appended in one transaction with each
/// refusal kept to its own request, then every reply sent.
final class CommitBatcher {
    let journal: Journal
    let nowMs: @Sendable () -> TimeMs
    let observer: (any CommitObserver)?

    init(journal: Journal, nowMs: @escaping @Sendable () -> TimeMs, observer: (any CommitObserver)? = nil) {
        self.journal = journal
        self.nowMs = nowMs
        self.observer = observer
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
        var ticks: [ReplySink] = []
        for (request, reply) in work {
            if case .clockTick = request {
                ticks.append(reply)
                continue
            }
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
        // A tick that could derive nothing is skipped: it would only move time (EngineFigures.swift).
        let clock = !ticks.isEmpty && journal.ledger.awaitsTime
        if !fresh.isEmpty || clock { append(fresh, clock: clock, requests: work.count) }
        for reply in ticks { reply(clock ? "clock" : "clock skipped") }
        for (request, reply) in queries { reply(answer(request)) }
    }

    private func append(_ fresh: [Fresh], clock: Bool, requests: Int) {
        var inputs = stamped(fresh)
        if clock {
            // After every input of the group, so that no explicit future time refuses the tick.
            let timeMs = inputs.reduce(max(nowMs(), journal.log.lastTime)) { max($0, $1.time) }
            inputs.append(JournalInput(time: timeMs, event: .clock(Clock())))
        }
        let results: [Result<[Record], InputError>]
        let started = ContinuousClock.now
        do { results = try journal.appendAccepted(inputs) } catch {
            let failure = InputError(code: "commit_failed", message: "the log could not commit: \(error)")
            for entry in fresh { for reply in entry.replies { reply(Reply.refused(key: entry.key, failure)) } }
            return
        }
        if let observer { report(results, requests: requests, since: started, to: observer) }
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

    private func report(_ results: [Result<[Record], InputError>], requests: Int, since started: ContinuousClock.Instant,
                        to observer: any CommitObserver) {
        var byKind = [Int](repeating: 0, count: 256)
        for case .success(let records) in results {
            for record in records { byKind[Int(record.kind.rawValue)] += 1 }
        }
        let report = CommitReport(requests: requests, recordsByKind: byKind, commitDuration: ContinuousClock.now - started)
        observer.committed(report, ledger: journal.ledger)
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
        case .append, .clockTick:
            preconditionFailure("appends and ticks are committed, not answered as queries")
        }
    }
}
