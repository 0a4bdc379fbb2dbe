import SolventCore

/// The outcome of recomputing the hash chain from genesis.
public enum ChainVerdict: Equatable, Sendable {
    /// Every link holds; `head` is the recomputed hash of the last record (zeros if empty).
    case ok(count: UInt64, head: [UInt8])
    /// `seq` is the first record found altered (or missing); `reason` says how.
    case broken(seq: Seq, reason: String)
}

extension EventLog {
    /// Recomputes every record's hash from genesis in one read transaction and compares the
    /// links and the stored head. `progress` is called every 65,536 records.
    public func verifyChain(progress: ((Seq) -> Void)? = nil) throws -> ChainVerdict {
        try environment.read { transaction in
            let reader = LogReader(transaction: transaction, schema: schema, head: .genesis)
            var walk = ChainWalk(storedHead: try Self.readStoredHead(transaction, schema))
            var verdict: ChainVerdict?
            try reader.forEachBorrowed { record in
                verdict = walk.feed(record)
                if record.seq.rawValue & 0xFFFF == 0 { progress?(record.seq) }
                return verdict == nil
            }
            if let verdict { return verdict }
            return walk.finish()
        }
    }
}

/// The chain check as a state machine fed one record at a time.
///
/// Blame, assuming one altered record: if record j's stored prevHash differs from the recomputed
/// hash of j-1, either j-1's bytes changed or j's prevHash field did. Hashing j with its own
/// stored prevHash tells which: if that still matches j+1's prevHash (or the head, for the last
/// record), j is intact and j-1 is named; otherwise j's prevHash was altered and j is named.
struct ChainWalk {
    /// What the `chain` head says; an absent head allows no records.
    private let head: ChainHead
    private let hasStoredHead: Bool
    private var expectedSeq: Seq = 1
    /// The recomputed hash of the previous record.
    private var computed = Hash32.zero
    /// A record whose prevHash did not match, and its hash over its own stored prevHash.
    private var suspect: (seq: Seq, ownHash: Hash32)?

    init(storedHead: ChainHead?) {
        head = storedHead ?? .genesis
        hasStoredHead = storedHead != nil
    }

    /// nil to continue, or the verdict once a break is certain.
    mutating func feed(_ record: BorrowedRecord) -> ChainVerdict? {
        guard record.seq == expectedSeq else {
            return .broken(seq: expectedSeq, reason: "seq \(expectedSeq) is missing; the next stored record is seq \(record.seq)")
        }
        guard record.seq <= head.seq else { return beyondHead() }
        let storedPrevious = Hash32(record.prevHash)
        if let suspect { return Self.blame(suspect, nextPrevHash: storedPrevious, next: "seq \(record.seq)'s prevHash") }
        let ownHash = Hash32.chained(after: storedPrevious, bytes: record.bytes)
        if storedPrevious != computed {
            if record.seq == 1 { return .broken(seq: 1, reason: "seq 1's prevHash is not 32 zero bytes") }
            suspect = (record.seq, ownHash)
        }
        computed = ownHash
        expectedSeq += 1
        return nil
    }

    private func beyondHead() -> ChainVerdict {
        if let suspect { return Self.blame(suspect, nextPrevHash: head.digest, next: "the chain head") }
        return hasStoredHead
            ? .broken(seq: head.seq + 1, reason: "records after the chain head's seq \(head.seq)")
            : .broken(seq: 1, reason: "records but no chain head")
    }

    /// Checks the end of the walk against the stored chain head.
    func finish() -> ChainVerdict {
        let lastSeq = expectedSeq - 1
        if let suspect { return Self.blame(suspect, nextPrevHash: head.digest, next: "the chain head") }
        guard head.seq == lastSeq else {
            return .broken(seq: lastSeq + 1, reason: "the chain head is at seq \(head.seq) but the log ends at seq \(lastSeq)")
        }
        guard computed == head.digest else {
            return .broken(seq: lastSeq, reason: "seq \(lastSeq)'s recomputed hash does not match the chain head")
        }
        return .ok(count: lastSeq.rawValue, head: computed.bytes)
    }

    private static func blame(_ suspect: (seq: Seq, ownHash: Hash32), nextPrevHash: Hash32, next: String) -> ChainVerdict {
        let previous = suspect.seq - 1
        if suspect.ownHash == nextPrevHash {
            return .broken(seq: previous, reason: "seq \(previous)'s bytes changed: its hash no longer matches seq \(suspect.seq)'s prevHash")
        }
        return .broken(seq: suspect.seq, reason: "seq \(suspect.seq)'s prevHash field changed: it does not match seq \(previous)'s hash, and seq \(suspect.seq)'s hash no longer matches \(next)")
    }
}
