import SolventCore

/// One input for the write path: the event, its time, and an optional idempotency key.
public struct JournalInput: Sendable {
    public var time: TimeMs
    public var event: Event
    public var key: String?

    public init(time: TimeMs, event: Event, key: String? = nil) {
        self.time = time
        self.event = event
        self.key = key
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
public final class Journal {
    public let log: EventLog
    public private(set) var ledger: Ledger
    public let snapshotEvery: UInt64

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
        ledger = try Self.load(log)
    }

    static func load(_ log: EventLog) throws -> Ledger {
        let lastSeq = try log.read { $0.lastSeq }
        var replay = Rederivation(stateRoots: log.stateRoots)
        if let snapshot = try log.snapshot(atOrBefore: lastSeq) {
            replay = Rederivation(ledger: try Ledger(snapshot: snapshot.state), lastSeq: snapshot.seq, stateRoots: log.stateRoots)
        }
        let from = replay.lastSeq + 1
        var mismatch: ReplayMismatch?
        try log.read { reader in mismatch = try reader.replay(&replay, from: from) }
        if let mismatch = mismatch ?? replay.finish() { throw mismatch }
        return replay.ledger
    }

    /// Seq of the input stored under `key`, if a request with that key was appended before.
    public func seq(forKey key: String) throws -> Seq? { try log.requestSeq(key) }

    /// Appends `inputs` with everything they derive, all or nothing. Returns, per input, its
    /// record followed by its derived records.
    @discardableResult
    public func append(_ inputs: [JournalInput]) throws -> [[Record]] {
        // The undo copy: copy-on-write makes it cost only what the batch touches, paid on this
        // (CLI) path and never by the group commit.
        let before = ledger
        var staging = Staging(nextSeq: log.lastSeq + 1, lastTime: log.lastTime, stateRoots: log.stateRoots)
        var results: [[Record]] = []
        for (index, input) in inputs.enumerated() {
            do { results.append(try staging.stage(input, into: &ledger)) } catch {
                ledger = before
                throw JournalRefusal(index: index, error: error)
            }
        }
        do { try commit(staging.batch) } catch {
            ledger = before
            throw error
        }
        return results
    }

    /// Appends the inputs that are accepted, each checked against the state the earlier accepted
    /// ones leave, in one transaction (one fsync); a refused input is left out instead of sinking
    /// the batch — the group commit of many clients' requests needs exactly that. Returns, per
    /// input, its records or its refusal. Throws only when the commit itself fails: then nothing
    /// is appended and the state is rebuilt from the log. Keys must not be stored already; a key
    /// repeated in `inputs` is refused, unless the caller vouches with `distinctKeys` that no
    /// key repeats (the group commit has merged repeats already; hashing every key twice per
    /// group was a measurable part of its time).
    public func appendAccepted(_ inputs: [JournalInput], distinctKeys: Bool = false) throws -> [Result<[Record], InputError>] {
        var staging = Staging(nextSeq: log.lastSeq + 1, lastTime: log.lastTime, stateRoots: log.stateRoots)
        staging.batch.reserveCapacity(inputs.count + inputs.count / 2)
        var keys = Set<KeyBytes>()  // by bytes, as `requests` compares keys
        var results: [Result<[Record], InputError>] = []
        results.reserveCapacity(inputs.count)
        for input in inputs {
            if !distinctKeys, let key = input.key, !keys.insert(KeyBytes(key)).inserted {
                results.append(.failure(InputError(code: "duplicate_key", field: "key", message: "key repeated in the batch")))
                continue
            }
            do { results.append(.success(try staging.stage(input, into: &ledger))) } catch { results.append(.failure(error)) }
        }
        do { try commit(staging.batch) } catch {
            rebuildFromLog()
            throw error
        }
        return results
    }

    /// Drops what the state holds beyond the log. A state that cannot be rebuilt cannot be
    /// trusted for another input, so that stops the process; a restart recovers from the log.
    private func rebuildFromLog() {
        do { ledger = try Self.load(log) } catch {
            preconditionFailure("the state cannot be rebuilt from the log after a failed commit: \(error)")
        }
    }

    /// The records staged for one transaction. `Ledger.process` checks before it applies, so a
    /// refused input leaves both the state and the staging as they were.
    private struct Staging {
        var nextSeq: Seq
        var lastTime: TimeMs
        /// The log's `state.root` rule (seq-based, so batching cannot change where roots go).
        let stateRoots: StateRootPolicy
        var batch: [AppendRecord] = []

        mutating func stage(_ input: consuming JournalInput, into state: inout Ledger) throws(InputError) -> [Record] {
            guard input.time >= lastTime else {
                throw InputError(code: "time_regression", field: "time",
                                 message: "time \(input.time) is before the log's last time \(lastTime)")
            }
            let records = try state.process(input.takeEvent(), seq: nextSeq, time: input.time, stateRoots: stateRoots)
            for (position, record) in records.enumerated() {
                batch.append(AppendRecord(seq: record.seq, time: record.time, bytes: RecordCodec.encode(record),
                                          requestKey: position == 0 ? input.key : nil))
            }
            nextSeq += Seq(records.count)
            lastTime = input.time
            return records
        }
    }

    /// Writes `batch` (with a snapshot of the state, already applied in place, when the batch
    /// crosses a snapshot boundary).
    private func commit(_ batch: [AppendRecord]) throws {
        guard let last = batch.last else { return }
        let crossesSnapshot = last.seq / snapshotEvery > log.lastSeq / snapshotEvery
        let snapshot = crossesSnapshot ? Snapshot(seq: last.seq, state: ledger.encodeSnapshot()) : nil
        try log.append(batch, snapshot: snapshot)
    }
}
