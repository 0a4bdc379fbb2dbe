import SolventCore
import SolventStore

/// Where a run's inputs go. With a journal, each input is staged through the journal — the
/// real write path, whose state is the run's only ledger — and read back at once (bots and the
/// impact model react to the records); every `batchInputs` accepted inputs are written in one
/// transaction. Without one, a ledger of its own decides, under the `state.root` rule a new log
/// would have, so a run's records do not depend on `--out`.
struct LogSink {
    /// Without a journal (nil with one: copying the sink then copies no ledger).
    private var own: Ledger?
    let journal: Journal?
    let batchInputs: Int
    private(set) var inputs = 0
    private(set) var refused = 0

    /// The log's `state.root` rule when there is no log (auction ids are seqs, so the rule must
    /// be the one a log would apply).
    let stateRoots: StateRootPolicy

    init(journal: Journal?, batchInputs: Int, accountsHint: Int) {
        self.journal = journal
        stateRoots = journal?.log.stateRoots
            ?? StateRootPolicy(everyRecords: EventLog.defaultSnapshotEvery, hash: StateHash.sha256)
        self.batchInputs = max(batchInputs, 1)
        if journal == nil {
            own = Ledger()
            own!.reserveAccounts(accountsHint)
        }
    }

    /// The state after every input submitted: the journal's, or the sink's own.
    /// Read in place: a copy of the ledger per bid retained and released every one of its
    /// arrays (a sixth of the simulator's time with 100k traders).
    var ledger: Ledger {
        _read {
            if let journal { yield journal.ledger } else { yield own! }
        }
    }

    /// Runs `body` on the state in place (the bots read it for every bid they consider).
    func withLedger<R>(_ body: (borrowing Ledger) throws -> R) rethrows -> R {
        if let journal { return try journal.withLedger(body) }
        return try body(own!)
    }

    /// Applies `event` at `time`; returns its record and derived records, or nil when the ledger
    /// refuses it (e.g. a bid on an auction that ended this step): a refused input is not logged.
    mutating func submit(_ event: Event, at time: TimeMs) throws -> [Record]? {
        let records: [Record]
        do {
            if let journal {
                records = try journal.stage(JournalInput(time: time, event: event))
            } else {
                records = try own!.process(event, seq: own!.lastSeq + 1, time: time, stateRoots: stateRoots)
            }
        } catch {
            refused += 1
            return nil
        }
        inputs += 1
        if let journal, journal.openBatchInputs >= batchInputs { try journal.commitOpenBatch() }
        return records
    }

    /// Writes what is staged.
    mutating func finish() throws {
        try journal?.commitOpenBatch()
    }
}
