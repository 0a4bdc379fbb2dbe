import SolventCore

/// One record as a leader sends it to a standby (issue 26): its canonical bytes exactly as on
/// the leader's disk, the leader's chain hash before it, the request key an input was appended
/// under and a batch's receipt stored under that key (so that a client's retry after a failover
/// is still answered once, and a batch's retry with the same reply).
public struct ReplicatedRecord: Equatable, Sendable {
    public var seq: Seq
    public var bytes: [UInt8]
    public var prevHash: [UInt8]
    public var requestKey: String?
    /// The `RequestReceipt` bytes stored under `requestKey`; nil for a key of a single append.
    public var receipt: [UInt8]?

    public init(seq: Seq, bytes: [UInt8], prevHash: [UInt8], requestKey: String? = nil, receipt: [UInt8]? = nil) {
        self.seq = seq
        self.bytes = bytes
        self.prevHash = prevHash
        self.requestKey = requestKey
        self.receipt = receipt
    }

    /// What it carries of variable size (bytes, key, receipt): what `replicatedBatch` counts
    /// against its `maxBytes`.
    public var carriedBytes: Int { bytes.count + (requestKey?.utf8.count ?? 0) + (receipt?.count ?? 0) }
}

/// A batch that does not start where the standby asked (or skips a seq): refused, and nothing
/// stops — the leader is asked again from `expected`.
public struct StandbyGap: Error, Equatable, Sendable, CustomStringConvertible {
    public var expected: Seq
    public var found: Seq
    public var description: String { "record \(found) does not continue the standby's log: it needs \(expected) next" }
}

/// Why a standby stopped: a record that does not continue its chain, or that its own engine does
/// not re-derive. Nothing from that record on is appended; the standby stays stopped (every
/// later `receive` is refused with the same alarm) until an operator looks.
public struct StandbyAlarm: Error, Equatable, Sendable, CustomStringConvertible {
    public var seq: Seq
    public var reason: String
    public var description: String { "standby stopped at seq \(seq): \(reason)" }
}

/// A standby's copy of a leader's log, which trusts nothing it is sent: each record must
/// continue the chain (its prevHash is the hash of the standby's own previous record) and be
/// re-derived by the standby's engine exactly as `verify` re-derives a log (an input is applied,
/// a derived record must equal the one the engine derives from its cause). Verified records are
/// appended in the standby's own LMDB transactions, a whole input with everything it derived at a
/// time (a stream may stop between an input and its derived records; the standby keeps those
/// until the rest arrives, so its log always re-derives on its own), with snapshots where its
/// batches cross `snapshotEvery`, as the leader's journal writes them.
///
/// Not thread-safe: one replication connection owns it.
public final class StandbyLog {
    public let log: EventLog
    public let snapshotEvery: UInt64
    /// The standby's engine as of the last record received (appended or pending).
    private var replay: Rederivation
    /// Verified records not appended yet: the tail of an input whose derived records have not
    /// all arrived.
    private var pending: [AppendRecord] = []
    /// The receipts sent with records of `pending`, by seq, written with them.
    private var pendingReceipts: [Seq: RequestReceipt] = [:]
    /// The chain hash after the last record received.
    private var chainHash: Hash32
    /// A snapshot boundary was crossed and its snapshot not written yet.
    private var snapshotDue = false
    /// How many of `pending` end on a settled input but wait for a later record to confirm the
    /// last one's bytes.
    private var settledPending = 0
    public private(set) var alarm: StandbyAlarm?

    /// Opens (or continues) the standby's log in `directory`, created beforehand with the
    /// leader's engine rules (`EventLog.create`), and rebuilds its engine from it.
    public init(directory: String, snapshotEvery: UInt64? = nil) throws {
        log = try EventLog(directory: directory)
        self.snapshotEvery = snapshotEvery ?? log.snapshotEvery ?? EventLog.defaultSnapshotEvery
        precondition(self.snapshotEvery > 0, "snapshotEvery must be positive")
        replay = try log.rederivation()
        chainHash = log.head.digest
    }

    /// The first seq the standby still needs: what it asks its leader for.
    public var nextSeq: Seq { replay.lastSeq + 1 }

    /// The last seq durably in the standby's log.
    public var durableSeq: Seq { log.lastSeq }

    /// Checks and appends `records`, which must continue what was received before; returns the
    /// standby's durable seq afterwards. `headHash` is the leader's chain hash after the last of
    /// them: it confirms the last record's bytes, which otherwise only the next record's prevHash
    /// does (without it, the last record is trusted once it re-derives).
    ///
    /// A record that breaks the chain or does not re-derive raises the alarm (thrown): the whole,
    /// confirmed inputs before it are appended — not the record before a broken link, whose bytes
    /// are the ones in doubt — it and everything after are not, and the standby refuses all
    /// further records. A record out of sequence throws `StandbyGap` after appending the whole,
    /// confirmed inputs before it.
    @discardableResult
    public func receive(_ records: [ReplicatedRecord], headHash: [UInt8]? = nil) throws -> Seq {
        if let alarm { throw alarm }
        var failure: StandbyAlarm?
        var gap: StandbyGap?
        // Prefixes of `pending`: `settled` ends on a settled input; `confirmed` also has its last
        // record's bytes confirmed by a later prevHash (or the head hash).
        var settled = settledPending
        var confirmed = 0
        for record in records {
            guard record.seq == nextSeq else {
                gap = StandbyGap(expected: nextSeq, found: record.seq)
                break
            }
            if let broken = checkChain(record) {
                failure = broken
                break
            }
            confirmed = settled
            if let mismatch = rederive(record) {
                failure = mismatch
                break
            }
            pending.append(AppendRecord(seq: record.seq, time: Self.time(of: record.bytes), bytes: record.bytes,
                                        requestKey: record.requestKey))
            if let key = record.requestKey, let receipt = record.receipt {
                pendingReceipts[record.seq] = RequestReceipt(key: key, bytes: receipt)
            }
            if replay.isSettled { settled = pending.count }
        }
        if failure == nil && gap == nil {
            if let headHash, headHash.count != Hash32.byteCount || headHash.withUnsafeBytes({ Hash32($0) }) != chainHash {
                failure = StandbyAlarm(seq: records.last?.seq ?? nextSeq,
                                       reason: "the chain after it is not the leader's head hash: a record of this batch is not what the leader stored")
            } else {
                confirmed = settled
            }
        }
        if failure == nil && gap == nil && headHash == nil { confirmed = settled }
        try append(Array(pending[..<confirmed]), engineAtEnd: confirmed == pending.count)
        pending.removeFirst(confirmed)
        settledPending = settled - confirmed
        if let failure {
            pending = []
            pendingReceipts = [:]
            settledPending = 0
            alarm = failure
            throw failure
        }
        if let gap { throw gap }
        return log.lastSeq
    }

    /// Drops the records after `seq` that the leader does not hold (this node led, and wrote a
    /// tail no standby acknowledged: the fork point, docs/REPLICATION.md), moved back so the cut
    /// falls between whole inputs — a log that ends inside an input's derived records would not
    /// re-derive on its own. Returns the records dropped; the engine is rebuilt from what is left,
    /// and an alarm is cleared (the records it was about are gone).
    @discardableResult
    public func truncate(after seq: Seq) throws -> Int {
        var cut = min(seq, log.lastSeq)
        while cut > 0, let next = try log.read({ try $0.record(cut + 1) }), try !RecordCodec.decode(next.bytes).kind.isInput {
            cut = cut - 1
        }
        let dropped = try log.truncate(after: cut)
        replay = try log.rederivation()
        chainHash = log.head.digest
        pending = []
        settledPending = 0
        snapshotDue = false
        alarm = nil
        return dropped
    }

    /// The chain check of one record: its prevHash must be the hash of this standby's previous record.
    private func checkChain(_ record: ReplicatedRecord) -> StandbyAlarm? {
        guard record.prevHash.count == Hash32.byteCount, record.prevHash.withUnsafeBytes({ Hash32($0) }) == chainHash else {
            return StandbyAlarm(seq: record.seq, reason: "its prevHash is not the hash of this standby's record \(record.seq - 1): the chains differ")
        }
        return nil
    }

    /// Re-derives one record, moving the chain and the engine past it.
    private func rederive(_ record: ReplicatedRecord) -> StandbyAlarm? {
        if let mismatch = replay.feed(record.bytes[...]) {
            return StandbyAlarm(seq: mismatch.seq, reason: "it does not re-derive: \(mismatch.reason)")
        }
        chainHash = record.bytes.withUnsafeBytes { Hash32.chained(after: chainHash, bytes: $0) }
        return nil
    }

    /// Appends whole inputs in one transaction, with their keys and receipts, so that on this log
    /// a retried key is the duplicate it is on the leader's and a batch's retry gets its receipt;
    /// with a snapshot of the engine once a snapshot boundary has been crossed and the engine
    /// stands exactly at the batch's end (no record received after it is waiting), as late as
    /// the first such batch.
    private func append(_ batch: [AppendRecord], engineAtEnd: Bool) throws {
        guard let last = batch.last else { return }
        if last.seq.rawValue / snapshotEvery > log.lastSeq.rawValue / snapshotEvery { snapshotDue = true }
        let snapshot = snapshotDue && engineAtEnd ? Snapshot(seq: last.seq, state: replay.ledger.encodeSnapshot()) : nil
        for chunk in stride(from: 0, to: batch.count, by: EventLog.maxBatchRecords) {
            let part = Array(batch[chunk..<min(batch.count, chunk + EventLog.maxBatchRecords)])
            let receipts = pendingReceipts.isEmpty ? [] : part.compactMap { pendingReceipts[$0.seq] }
            try log.append(part, snapshot: part.last?.seq == last.seq ? snapshot : nil, receipts: receipts)
        }
        // Dropped once durable: a failed append leaves them for the records it left pending.
        if !pendingReceipts.isEmpty { pendingReceipts = pendingReceipts.filter { $0.key > last.seq } }
        if snapshot != nil { snapshotDue = false }
    }

    /// The record's time, read from its canonical bytes (the log keeps times in order).
    private static func time(of bytes: [UInt8]) -> TimeMs {
        (try? RecordCodec.decode(bytes).time) ?? TimeMs(.min)
    }
}
