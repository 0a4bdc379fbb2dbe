import ArgumentParser
import SolventCore
import SolventStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the hash chain and re-derive every record and snapshot from genesis.",
        discussion: "Exits 1 naming the first bad seq (and both versions of a differing derived record)."
    )

    @OptionGroup var options: DataOptions

    func run() throws {
        let log = try EventLog(directory: options.data, readOnly: true)
        let lastSeq = try log.read { $0.lastSeq }
        try verifyChain(log, lastSeq: lastSeq)
        try verifyDerivation(log, lastSeq: lastSeq)
    }

    private func verifyChain(_ log: EventLog, lastSeq: Seq) throws {
        var progress = Progress("chain", total: lastSeq.rawValue)
        let verdict = try log.verifyChain { progress.update($0.rawValue) }
        progress.finish()
        switch verdict {
        case .ok(let count, let head):
            print("chain ok: \(count) records, head \(hex(head))")
        case .broken(let seq, let reason):
            throw CommandFailure(message: "chain broken at seq \(seq): \(reason)")
        }
    }

    private func verifyDerivation(_ log: EventLog, lastSeq: Seq) throws {
        var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
        var snapshots = try log.snapshotSeqs()[...]
        var checkedSnapshots = 0
        var progress = Progress("re-derive", total: lastSeq.rawValue)
        var failure: Error?
        try log.read { reader in
            // Decoded on a second thread (`LogReader.replay`), judged here in seq order.
            let mismatch = try reader.replay(&replay, from: 1) { replay, seq in
                progress.update(seq.rawValue)
                guard snapshots.first == seq else { return true }
                snapshots.removeFirst()
                do { try Self.checkSnapshot(log, seq: seq, state: replay) } catch { failure = error; return false }
                checkedSnapshots += 1
                return true
            }
            if let mismatch { failure = mismatch }
        }
        progress.finish()
        if let failure { throw CommandFailure(message: "re-derivation failed: \(failure)") }
        if let mismatch = replay.finish() { throw CommandFailure(message: "re-derivation failed: \(mismatch)") }
        print("re-derivation ok: \(replay.lastSeq) records, \(checkedSnapshots) snapshots match")
    }

    private static func checkSnapshot(_ log: EventLog, seq: Seq, state: Rederivation) throws {
        guard state.isSettled else {
            throw CommandFailure(message: "snapshot at seq \(seq) falls between an input and its derived records")
        }
        guard let stored = try log.snapshot(atOrBefore: seq), stored.seq == seq else { return }
        guard stored.state == state.ledger.encodeSnapshot() else {
            throw CommandFailure(message: "snapshot at seq \(seq) differs from the replayed state")
        }
    }
}
