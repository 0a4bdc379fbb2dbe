import SolventCore
import SolventStore

/// Where a run's inputs go: the simulation's own ledger decides at once (bots and the impact
/// model react to the records), and, with a journal, the same inputs are appended through the
/// real write path in batches of `batchInputs` (one transaction each). The journal re-derives every
/// record itself; at the end its state must equal the simulation's.
struct LogSink {
    private(set) var ledger = Ledger()
    let journal: Journal?
    let batchInputs: Int
    private var pending: [JournalInput] = []
    private(set) var inputs = 0
    private(set) var refused = 0

    /// The log's `state.root` rule, applied by the simulation's ledger exactly as the journal
    /// applies it, so both number the records alike (auction ids are seqs). Without a log, the
    /// rule a new log would have, so a run's records do not depend on `--out`.
    let stateRoots: StateRootPolicy

    init(journal: Journal?, batchInputs: Int, accountsHint: Int) {
        self.journal = journal
        stateRoots = journal?.log.stateRoots
            ?? StateRootPolicy(everyRecords: EventLog.defaultSnapshotEvery, hash: StateHash.sha256)
        self.batchInputs = max(batchInputs, 1)
        ledger.reserveAccounts(accountsHint)
        pending.reserveCapacity(self.batchInputs)
    }

    /// Applies `event` at `time`; returns its record and derived records, or nil when the ledger
    /// refuses it (e.g. a bid on an auction that ended this step): a refused input is not logged.
    mutating func submit(_ event: Event, at time: TimeMs) throws -> [Record]? {
        let records: [Record]
        do { records = try ledger.process(event, seq: ledger.lastSeq + 1, time: time, stateRoots: stateRoots) } catch {
            refused += 1
            return nil
        }
        inputs += 1
        guard journal != nil else { return records }
        pending.append(JournalInput(time: time, event: event))
        if pending.count >= batchInputs { try flush() }
        return records
    }

    mutating func flush() throws {
        guard let journal, !pending.isEmpty else { return }
        try journal.append(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and checks that the journal derived exactly what the simulation did.
    mutating func finish() throws {
        try flush()
        guard let journal else { return }
        precondition(journal.log.lastSeq == ledger.lastSeq, "the journal's log diverged from the simulation")
        precondition(journal.ledger == ledger, "the journal's state diverged from the simulation")
    }
}
