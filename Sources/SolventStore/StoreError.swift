import CLMDB
import SolventCore

/// Why a store operation was refused or failed; `code` is stable and safe to show on the wire.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case notInitialized(directory: String)
    case alreadyInitialized(directory: String)
    case unsupportedFormat(found: UInt32, supported: UInt32)
    case seqGap(expected: Seq, found: Seq)
    case timeRegression(seq: Seq, time: TimeMs, previousTime: TimeMs)
    case duplicateKey(key: String, existingSeq: Seq)
    case badRequestKey(key: String, reason: String)
    case batchTooLarge(count: Int, max: Int)
    case snapshotOutOfRange(seq: Seq, lastSeq: Seq)
    case snapshotCorrupt(seq: Seq)
    case truncateBeyondHead(seq: Seq, lastSeq: Seq)
    case corrupt(reason: String)
    case storageFull(mapSizeBytes: Int, reason: String)
    case io(path: String, reason: String)
    case lmdb(status: Int32, operation: String, message: String)

    public var code: String {
        switch self {
        case .notInitialized: "not_initialized"
        case .alreadyInitialized: "already_initialized"
        case .unsupportedFormat: "unsupported_format"
        case .seqGap: "seq_gap"
        case .timeRegression: "time_regression"
        case .duplicateKey: "duplicate_key"
        case .badRequestKey: "bad_request_key"
        case .batchTooLarge: "batch_too_large"
        case .snapshotOutOfRange: "snapshot_out_of_range"
        case .snapshotCorrupt: "snapshot_corrupt"
        case .truncateBeyondHead: "truncate_beyond_head"
        case .corrupt: "store_corrupt"
        case .storageFull: "storage_full"
        case .io: "io"
        case .lmdb: "lmdb"
        }
    }

    public var description: String {
        switch self {
        case .notInitialized(let directory):
            "\(directory) holds no Solvent log; run `solvent init` first"
        case .alreadyInitialized(let directory):
            "\(directory) already holds a Solvent log"
        case .unsupportedFormat(let found, let supported):
            "the log is format version \(found) but this build reads versions up to \(supported); use a newer solvent"
        case .seqGap(let expected, let found):
            "expected seq \(expected) but got \(found); seqs must follow the log without gaps"
        case .timeRegression(let seq, let time, let previousTime):
            "seq \(seq) has time \(time), before the previous record's time \(previousTime)"
        case .duplicateKey(let key, let existingSeq):
            "request key \"\(key)\" was already used by seq \(existingSeq)"
        case .badRequestKey(let key, let reason):
            "request key \"\(key)\": \(reason)"
        case .batchTooLarge(let count, let max):
            "a batch of \(count) records exceeds the limit of \(max)"
        case .snapshotOutOfRange(let seq, let lastSeq):
            "snapshot at seq \(seq) but the log ends at seq \(lastSeq)"
        case .snapshotCorrupt(let seq):
            "snapshot at seq \(seq) does not match its stored SHA-256"
        case .truncateBeyondHead(let seq, let lastSeq):
            "cannot truncate after seq \(seq): the log ends at seq \(lastSeq)"
        case .corrupt(let reason):
            "the store is corrupt: \(reason)"
        case .storageFull(let mapSizeBytes, let reason):
            "storage full at a map of \(mapSizeBytes) bytes: \(reason)"
        case .io(let path, let reason):
            "\(path): \(reason)"
        case .lmdb(let status, let operation, let message):
            "\(operation) failed: \(message) (\(status))"
        }
    }

    var isMapFull: Bool {
        if case .lmdb(let status, _, _) = self { return status == MDB_MAP_FULL }
        return false
    }
}
