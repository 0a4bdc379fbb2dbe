import SolventCore

/// One input for the write path: the event, its time, and an optional idempotency key.
public struct JournalInput: Sendable {
    public var time: TimeMs
    public var event: Event
    public var key: String?
    /// One of a batch's inputs, which share its one key and come one after another: the key is
    /// stored with the first of them accepted, and the others carry none.
    public var sharesKey: Bool

    public init(time: TimeMs, event: Event, key: String? = nil, sharesKey: Bool = false) {
        self.time = time
        self.event = event
        self.key = key
        self.sharesKey = sharesKey
    }
}

extension JournalInput {
    /// The event, leaving an empty one in its place: a move, where reading `event` off an input
    /// whose key is still needed copied it (and destroyed the input's copy after).
    mutating func takeEvent() -> Event {
        var taken = Event.clock(Clock())
        swap(&taken, &event)
        return taken
    }
}

/// Input number `index` of a batch was refused; nothing of the batch was appended.
public struct JournalRefusal: Error, Sendable, CustomStringConvertible {
    public var index: Int
    public var error: InputError
    public var description: String { "input \(index + 1): \(error)" }
}

/// The engine in the write path: the event log plus the margin state it projects.
///
/// Inputs are checked and applied to the state in place (`Ledger.process` checks before it
/// applies, so a refused input changes nothing), written with everything they derive in one LMDB
/// transaction (one fsync). Copying the state per batch would cost O(accounts) per group commit;
/// instead a failed commit rebuilds the state from the log (snapshot + tail), so nothing
/// uncommitted survives. `append` (all or nothing) alone keeps a copy to undo a refusal mid-batch.
///
/// The write is two steps, so the daemon can stage one batch while the previous one commits
/// (docs/PROTOCOL.md, "Group commit"): `stageAccepted` checks, applies and encodes on the
/// journal's owner thread and moves the *staged head*; `StagedBatch.commit(to:)` touches only
/// the log, so any thread may run it. Until a staged batch's commit returns, the state and the
/// staged head are ahead of the log; if that commit fails, the owner calls `discardStaged`.
public final class Journal {
    public let log: EventLog
    /// The state after everything staged, read in place: a caller reading it per input (the
    /// simulator's bots) would otherwise copy the ledger, retaining every array it holds.
    public var ledger: Ledger {
        _read { yield state }
    }
    private var state: Ledger

    /// Runs `body` on the state in place, for a caller that reads it many times between
    /// inputs: a read through `ledger` may still be copied when the access cannot span the use.
    public func withLedger<R>(_ body: (borrowing Ledger) throws -> R) rethrows -> R {
        try body(ledger)
    }
    public let snapshotEvery: UInt64
    /// The seq and time after everything staged: the log's head plus the staged batches not yet
    /// committed. Staging goes on from here, not from `log.head`, which moves only once a commit
    /// is durable.
    public private(set) var stagedSeq: Seq
    public private(set) var stagedTime: TimeMs

    public static let defaultSnapshotEvery = EventLog.defaultSnapshotEvery

    /// Opens the log and rebuilds the state: the latest snapshot plus a replay of the tail, which
    /// must re-derive exactly (a log that does not is refused; `solvent verify` says where).
    /// `snapshotEvery` overrides what `solvent init` stored in the log's metadata.
    /// `maxMapSizeBytes` caps the LMDB map (a disk-full stand-in); past it appends are `storage_full`.
    /// `requestIndex` says when recent request keys are folded into `requests`.
    public init(directory: String, snapshotEvery: UInt64? = nil, maxMapSizeBytes: Int = 1 << 40,
                requestIndex: RequestIndexPolicy = .standard) throws {
        log = try EventLog(directory: directory, initialMapSizeBytes: min(1 << 30, maxMapSizeBytes), maxMapSizeBytes: maxMapSizeBytes,
                           requestIndex: requestIndex)
        self.snapshotEvery = snapshotEvery ?? log.snapshotEvery ?? Self.defaultSnapshotEvery
        precondition(self.snapshotEvery > 0, "snapshotEvery must be positive")
        state = try Self.load(log)
        stagedSeq = log.lastSeq
        stagedTime = log.lastTime
    }

    static func load(_ log: EventLog) throws -> Ledger {
        try log.rederivation().ledger
    }

    /// Seq of the input stored under `key`, if a request with that key was appended before.
    public func seq(forKey key: String) throws -> Seq? { try log.requestSeq(key) }

    /// Whether a staged batch has not been committed (or discarded) yet.
    public var hasStaged: Bool { stagedSeq != log.lastSeq || stagedTime != log.lastTime || openBatch != nil }

    /// The batch `stage` builds input by input, until `commitOpenBatch`.
    private var openBatch: Staging?

    /// Inputs accepted into the open batch so far.
    public private(set) var openBatchInputs = 0

    /// Checks and applies one input to the state at once and adds its records to the open
    /// batch (opening one after the staged head), so that the caller reads what it derived and
    /// the state it leaves before it stages the next — the simulator's bots and impact model
    /// react to every record — and still writes many inputs per transaction. A refused input
    /// changes nothing. Nothing is written until `commitOpenBatch`.
    public func stage(_ input: JournalInput) throws(InputError) -> [Record] {
        if openBatch == nil {
            precondition(!hasStaged, "stage with a staged batch not committed")
            openBatch = Staging(nextSeq: stagedSeq + 1, lastTime: stagedTime, stateRoots: log.stateRoots)
        }
        var input = input
        let range = try openBatch!.stage(&input, into: &state)
        openBatchInputs += 1
        return Array(openBatch!.records[range])
    }

    /// Writes the open batch in one transaction (one fsync), with a snapshot when it crosses a
    /// snapshot boundary, as `append` would have for the same inputs. On failure nothing of it
    /// is written and the state is rebuilt from the log.
    public func commitOpenBatch() throws {
        guard let staging = openBatch else { return }
        openBatch = nil
        openBatchInputs = 0
        let batch = staged(staging)
        do { try batch.commit(to: log) } catch {
            discardStaged()
            throw error
        }
    }

    /// Appends `inputs` with everything they derive, all or nothing. Returns, per input, its
    /// record followed by its derived records.
    @discardableResult
    public func append(_ inputs: [JournalInput]) throws -> [[Record]] {
        precondition(!hasStaged, "append with a staged batch not committed")
        // The undo copy: copy-on-write makes it cost only what the batch touches, paid on this
        // (CLI) path and never by the group commit.
        let before = state
        var staging = Staging(nextSeq: stagedSeq + 1, lastTime: stagedTime, stateRoots: log.stateRoots)
        var results: [[Record]] = []
        for (index, input) in inputs.enumerated() {
            var input = input
            do {
                let range = try staging.stage(&input, into: &state)
                results.append(Array(staging.records[range]))
            } catch {
                state = before
                throw JournalRefusal(index: index, error: error)
            }
        }
        do { try staged(staging).commit(to: log) } catch {
            state = before
            stagedSeq = log.lastSeq
            stagedTime = log.lastTime
            throw error
        }
        return results
    }

    /// Appends the inputs that are accepted, each checked against the state the earlier accepted
    /// ones leave, in one transaction (one fsync); a refused input is left out instead of sinking
    /// the batch — the group commit of many clients' requests needs exactly that. Returns, per
    /// input, its records or its refusal. Throws only when the commit itself fails: then nothing
    /// is appended and the state is rebuilt from the log. See `stageAccepted` for the keys.
    public func appendAccepted(_ inputs: [JournalInput], distinctKeys: Bool = false) throws -> [Result<[Record], InputError>] {
        precondition(!hasStaged, "appendAccepted with a staged batch not committed")
        let (results, batch) = stageAccepted(inputs, distinctKeys: distinctKeys)
        do { try batch.commit(to: log) } catch {
            discardStaged()
            throw error
        }
        return results
    }

    /// The first step of `appendAccepted`: checks and applies each input to the state, after
    /// the staged head, and encodes the records of those accepted (with a snapshot of the state
    /// if they cross a snapshot boundary, taken here while the state is exactly theirs). The
    /// state and the staged head move on; nothing is written. Keys must not be stored already;
    /// a key repeated in `inputs` is refused, unless the caller vouches with `distinctKeys` that
    /// no key repeats (the group commit has merged repeats already; hashing every key twice per
    /// group was a measurable part of its time).
    public func stageAccepted(_ inputs: consuming [JournalInput], distinctKeys: Bool = false)
        -> (results: [Result<[Record], InputError>], batch: StagedBatch) {
        let (ranges, batch) = stageAcceptedRanges(inputs, distinctKeys: distinctKeys)
        return (ranges.map { $0.map { Array(batch.records[$0]) } }, batch)
    }

    /// `stageAccepted`, saying where each accepted input's records are in the batch's
    /// `records` (the input's first) instead of copying them out: the daemon's group commit
    /// reads them there.
    public func stageAcceptedRanges(_ inputs: consuming [JournalInput], distinctKeys: Bool = false)
        -> (results: [Result<Range<Int>, InputError>], batch: StagedBatch) {
        var staging = Staging(nextSeq: stagedSeq + 1, lastTime: stagedTime, stateRoots: log.stateRoots)
        staging.reserveCapacity(inputs.count + inputs.count / 2)
        var keys = Set<KeyBytes>()  // by bytes, as `requests` compares keys
        // A batch's inputs come together: the key they share, and whether one of them stored it.
        var sharedKey: String?
        var sharedKeyStored = false
        var results: [Result<Range<Int>, InputError>] = []
        results.reserveCapacity(inputs.count)
        // Each input used in place (its event moved out by `stage`), not copied: `for var
        // input in inputs` copied every event and key and destroyed the array's copies after.
        for index in inputs.indices {
            if inputs[index].sharesKey, let key = inputs[index].key {
                if key != sharedKey {
                    sharedKey = key
                    sharedKeyStored = false
                }
                if sharedKeyStored { inputs[index].key = nil }
            } else if !distinctKeys, let key = inputs[index].key, !keys.insert(KeyBytes(key)).inserted {
                results.append(.failure(InputError(code: "duplicate_key", field: "key", message: "key repeated in the batch")))
                continue
            }
            let storesSharedKey = inputs[index].sharesKey && inputs[index].key != nil
            do {
                results.append(.success(try staging.stage(&inputs[index], into: &state)))
                if storesSharedKey { sharedKeyStored = true }
            } catch { results.append(.failure(error)) }
        }
        return (results, staged(staging))
    }

    /// Drops what the state holds beyond the log — a staged batch whose commit failed, and any
    /// staged after it — and puts the staged head back on the log's. A state that cannot be
    /// rebuilt cannot be trusted for another input, so that stops the process; a restart
    /// recovers from the log.
    public func discardStaged() {
        openBatch = nil
        openBatchInputs = 0
        do { state = try Self.load(log) } catch {
            preconditionFailure("the state cannot be rebuilt from the log after a failed commit: \(error)")
        }
        stagedSeq = log.lastSeq
        stagedTime = log.lastTime
    }

    /// The records staged for one transaction. `Ledger.process` checks before it applies, so a
    /// refused input leaves both the state and the staging as they were.
    private struct Staging {
        var nextSeq: Seq
        var lastTime: TimeMs
        /// The log's `state.root` rule (seq-based, so batching cannot change where roots go).
        let stateRoots: StateRootPolicy
        var records: [Record] = []
        /// Per record, the request key it stores (its input's, on the input's record only).
        var requestKeys: [String?] = []

        /// Stages `input`; returns where its records are in `records` (the input's first).
        /// `input` is in-out so that its event is moved out, not copied (a consuming parameter
        /// was passed a copy of the caller's variable).
        mutating func stage(_ input: inout JournalInput, into state: inout Ledger) throws(InputError) -> Range<Int> {
            guard input.time >= lastTime else {
                throw InputError(code: "time_regression", field: "time",
                                 message: "time \(input.time) is before the log's last time \(lastTime)")
            }
            let first = records.count
            try state.process(input.takeEvent(), seq: nextSeq, time: input.time, stateRoots: stateRoots, appendingTo: &records)
            requestKeys.append(input.key)
            for _ in first + 1..<records.count { requestKeys.append(nil) }
            nextSeq += UInt64(records.count - first)
            lastTime = input.time
            return first..<records.count
        }

        mutating func reserveCapacity(_ count: Int) {
            records.reserveCapacity(count)
            requestKeys.reserveCapacity(count)
        }
    }

    /// Moves the staged head past `staging` and hands its records over with a snapshot of the
    /// state (already applied in place) when they cross a snapshot boundary.
    private func staged(_ staging: consuming Staging) -> StagedBatch {
        guard let lastSeq = staging.records.last?.seq else { return .empty }
        let crossesSnapshot = lastSeq.rawValue / snapshotEvery > stagedSeq.rawValue / snapshotEvery
        let snapshot = crossesSnapshot ? Snapshot(seq: lastSeq, state: state.encodeSnapshot()) : nil
        stagedSeq = lastSeq
        stagedTime = staging.lastTime
        return StagedBatch(records: staging.records, requestKeys: staging.requestKeys, snapshot: snapshot)
    }
}

/// A batch staged against the state (`Journal.stageAccepted`) and not committed yet: its
/// records, and the snapshot to write with them. Committing it touches only the log, so any
/// thread may do it while the journal's owner stages the next batch; but batches must be
/// committed in the order they were staged, each only after the one before it succeeded (the
/// log refuses a seq that does not continue it).
public struct StagedBatch: Sendable {
    /// The records, encoded only by `commit`: on the thread that commits (the daemon's durable
    /// stage, while the writer stages the next group), and freed there.
    public let records: [Record]
    /// Per record, the request key it stores (its input's, on the input's record only).
    let requestKeys: [String?]
    public let snapshot: Snapshot?
    /// Written with the records, under keys they store (`RequestReceipt`); set by the stager.
    public var receipts: [RequestReceipt] = []

    /// Nothing to write.
    public static let empty = StagedBatch(records: [], requestKeys: [], snapshot: nil)

    init(records: [Record], requestKeys: [String?], snapshot: Snapshot?) {
        precondition(records.count == requestKeys.count, "a staged record without its key slot")
        self.records = records
        self.requestKeys = requestKeys
        self.snapshot = snapshot
    }

    /// The last seq of the batch; nil when nothing was accepted.
    public var lastSeq: Seq? { records.last?.seq }

    /// One write transaction, one fsync (`EventLog.append`, where `parallelHashing` is
    /// explained); returns once durable.
    public func commit(to log: EventLog, parallelHashing: Bool = true) throws {
        try log.append(encoded(), snapshot: snapshot, receipts: receipts, parallelHashing: parallelHashing)
    }

    /// The records encoded into one buffer, each a slice of it: one allocation for the group
    /// instead of one array per record, malloc'd and freed (perf, binary batches).
    func encoded() -> [AppendRecord] {
        var writer = ByteWriter(capacity: records.count * Self.typicalRecordBytes)
        var ends: [Int] = []
        ends.reserveCapacity(records.count)
        for index in records.indices {
            RecordCodec.encode(records[index], into: &writer)
            ends.append(writer.bytes.count)
        }
        let buffer = writer.bytes
        var start = 0
        return records.indices.map { index in
            defer { start = ends[index] }
            return AppendRecord(seq: records[index].seq, time: records[index].time,
                                bytes: buffer[start..<ends[index]], requestKey: requestKeys[index])
        }
    }

    /// A trade's record is about 100 bytes; a guess the buffer grows past if it must.
    static let typicalRecordBytes = 112
}
