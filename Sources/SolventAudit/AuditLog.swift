import SolventCore
import SolventStore

/// A log opened for auditing: read-only (MDB_RDONLY), so it never writes and is safe beside a
/// running daemon or on a copy. Every read is one consistent read transaction.
public struct AuditLog {
    public let log: EventLog

    public init(directory: String) throws {
        log = try EventLog(directory: directory, readOnly: true)
    }

    public init(log: EventLog) { self.log = log }

    public var lastSeq: Seq { get throws { try log.read { $0.lastSeq } } }

    /// Calls `body` with each decoded record from `first` through `last` (or the end) until it
    /// returns false. A record that does not decode is an error naming its seq.
    public func forEach(from first: Seq = 1, through last: Seq? = nil, progress: ((Seq) -> Void)? = nil,
                        _ body: (Record) throws -> Bool) throws {
        try log.read { reader in
            try reader.forEachBorrowed(from: first, through: last) { stored in
                let record: Record
                do { record = try RecordCodec.decode(stored.bytes) } catch {
                    throw AuditError("seq \(stored.seq) does not decode: \(error)")
                }
                if stored.seq.rawValue & 0x3FF == 0 { progress?(stored.seq) }
                return try body(record)
            }
        }
    }

    /// The record at `seq`, nil if the log has none.
    public func record(_ seq: Seq) throws -> Record? {
        try log.read { reader in try reader.record(seq).map { try RecordCodec.decode($0.bytes) } }
    }

    /// A re-derivation starting from the nearest snapshot at or before `seq` (genesis if none).
    public func rederivation(startingAtOrBefore seq: Seq) throws -> Rederivation {
        guard seq > 0, let snapshot = try log.snapshot(atOrBefore: seq) else {
            return Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
        }
        return Rederivation(ledger: try snapshot.ledger(), lastSeq: snapshot.seq, stateRoots: log.stateRoots)
    }
}

/// An audit that cannot run (unknown liquidation, unreadable log, bad proof file).
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
