import SolventCore
import SolventStore

/// The drill's verdict: `acked=… found=… lost=0 duplicated=0 verify=ok`.
public struct CrashDrillReport: Sendable, CustomStringConvertible {
    public var rounds: Int
    /// Keys answered `ok` (a batch's events each count, under their item keys), and those refused for good (malformed for the state, e.g. a bid on an
    /// auction that had ended: not logged, as the protocol says).
    public var acked: Int
    public var refused: Int
    /// Batch appends acknowledged (their events are among `acked`), each found with its key at
    /// its first event and every event it appended present (else counted `lost`).
    public var batches: Int
    /// Acked keys whose stored seq (`requests` or a recent database, as any reader finds it) is the
    /// one their reply gave and whose record there is the event sent.
    public var found: Int
    public var lost: Int
    /// Sent events present more than once in the log, plus keys answered with two seqs.
    public var duplicated: Int
    public var records: UInt64
    /// nil when the hash chain and a full re-derivation pass; else what failed.
    public var verifyFailure: String?
    /// Keys acknowledged in each round after the set-up: every round must make progress.
    public var roundAcks: [Int]
    /// Refused keys found in the log anyway (by key or by their event): must be 0.
    public var refusedLogged: Int
    /// Requests still unanswered after the last start: must be 0.
    public var pendingAtEnd: Int
    /// Kills that landed while the daemon recovered (before "recovered") and while it drained
    /// after SIGTERM (before "log closed"): at least one each.
    public var recoveryKills: Int
    public var drainKills: Int

    public var passed: Bool {
        lost == 0 && duplicated == 0 && verifyFailure == nil && found == acked && !roundAcks.isEmpty
            && roundAcks.allSatisfy { $0 > 0 } && refusedLogged == 0 && pendingAtEnd == 0 && recoveryKills > 0 && drainKills > 0
    }

    public var description: String {
        "rounds=\(rounds) acked=\(acked) batches=\(batches) refused=\(refused) found=\(found) lost=\(lost) duplicated=\(duplicated) "
            + "min_round_acks=\(roundAcks.min() ?? 0) refused_logged=\(refusedLogged) pending=\(pendingAtEnd) "
            + "recovery_kills=\(recoveryKills) drain_kills=\(drainKills) "
            + "records=\(records) verify=\(verifyFailure.map { "failed (\($0))" } ?? "ok")"
    }
}

extension CrashDrill {
    func check(_ state: DrillState, kills: KillCounts) throws -> CrashDrillReport {
        let log = try EventLog(directory: dataDirectory)
        let found = try LogCheck.of(state, in: log)
        return CrashDrillReport(
            rounds: rounds, acked: found.acked, refused: state.refusedCount, batches: state.ackedBatchKeys.count, found: found.found,
            lost: found.lost, duplicated: found.duplicated, records: log.lastSeq.rawValue, verifyFailure: try LogCheck.verify(log),
            roundAcks: kills.roundAcks, refusedLogged: found.refusedLogged, pendingAtEnd: kills.pendingAtEnd,
            recoveryKills: kills.recovery, drainKills: kills.drain)
    }
}

/// What a drill's log holds of what its clients were told (the crash drill's and the cluster
/// drill's): each acknowledged key at the seq its reply gave with the event sent, sent events
/// logged at most once, refused ones not at all.
struct LogCheck {
    var acked: Int
    var found: Int
    var lost: Int
    var duplicated: Int
    var refusedLogged: Int

    static func of(_ state: DrillState, in log: EventLog) throws -> LogCheck {
        let acked = state.acknowledged
        var counts: [[UInt8]: Int] = [:]
        var found = 0
        var refusedLogged = 0
        var batchKeysMissing = 0
        try log.read { reader in
            try reader.forEach { stored in
                let record = try RecordCodec.decode(stored.bytes)
                guard record.kind.isInput, record.kind != .clock else { return true }
                counts[RecordCodec.encode(Record(seq: 1, time: 0, event: record.event)), default: 0] += 1
                return true
            }
            for (key, ack) in acked {
                // A batch's events are found by seq; the batch's key by its first event's seq.
                let stored = key.contains("#") ? ack.seq : try reader.requestSeq(key)
                guard stored == ack.seq, let stored = try reader.record(ack.seq) else { continue }
                let record = try RecordCodec.decode(stored.bytes)
                if RecordCodec.encode(Record(seq: 1, time: 0, event: record.event)) == ack.identity { found += 1 }
            }
            // A refused request is not logged (PROTOCOL): neither its key nor its event.
            for (key, identity) in state.refusedRequests where try !key.contains("#") && reader.requestSeq(key) != nil || counts[identity] != nil {
                refusedLogged += 1
            }
            // An acknowledged batch's key is stored with the seq of its first appended event.
            for (key, seq) in state.ackedBatchKeys where try reader.requestSeq(key) != seq { batchKeysMissing += 1 }
        }
        let duplicated = state.sentIdentities.filter { (counts[$0] ?? 0) > 1 }.count + state.conflictCount
        return LogCheck(acked: acked.count, found: found, lost: acked.count - found + batchKeysMissing, duplicated: duplicated,
                        refusedLogged: refusedLogged)
    }

    /// The hash chain, then a re-derivation of every record from genesis (what `solvent verify`
    /// does, less the snapshot comparison, which tools/crash-test leaves to `solvent verify`).
    static func verify(_ log: EventLog) throws -> String? {
        if case .broken(let seq, let reason) = try log.verifyChain() { return "chain broken at seq \(seq): \(reason)" }
        var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
        // The decoded replay `solvent verify` uses: same mismatches, decoded on a second thread.
        let mismatch = try log.read { reader in try reader.replay(&replay, from: 1) }
        return (mismatch ?? replay.finish()).map { "\($0)" }
    }
}
