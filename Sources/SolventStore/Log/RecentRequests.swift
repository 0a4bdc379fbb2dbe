import SolventCore

/// When the request keys of recent appends move into the `requests` index (docs/FORMAT.md,
/// "Request keys").
///
/// A key goes first to `requests.recent` (seq → key, appended with `MDB_APPEND`), so a commit
/// writes its keys into one or two pages there instead of one leaf of `requests` per client —
/// each client's keys have their own stretch of that B-tree, so 64 clients with one request each
/// dirtied about 64 pages per commit (docs/PROTOCOL.md, "64 clients"). Once the recent keys reach
/// `foldAtKeys`, one commit folds them all into `requests` and empties `requests.recent`: every
/// leaf that those keys share is then copied and written once per fold instead of once per commit.
public struct RequestIndexPolicy: Sendable, Equatable {
    /// Recent keys that trigger a fold. 4,096: with 64 clients a fold comes every 64 commits and
    /// touches each client's leaf once (about 1 page per commit amortised instead of 64), while
    /// the recent set stays small: about 100 KiB of keys in memory, about 40 pages of
    /// `requests.recent`, a scan of it (a reader in another process, which has no in-memory
    /// map) well under a millisecond, and the fold itself a few milliseconds (sort and 4,096
    /// cursor puts in key order). Larger values fold less often, smaller ones make each fold
    /// cheaper; the figure is not part of the format (any value reads any log).
    public var foldAtKeys: Int
    /// A batch with at least this many keys (a pipelined client's window) puts them straight into
    /// `requests`: such a batch's keys mostly follow each other and share leaves already, so
    /// routing them through `requests.recent` would only write them twice.
    public var directBatchKeys: Int

    public static let standard = RequestIndexPolicy(foldAtKeys: 4_096, directBatchKeys: 256)

    public init(foldAtKeys: Int, directBatchKeys: Int) {
        precondition(foldAtKeys >= 1 && directBatchKeys >= 1, "request index thresholds must be positive")
        self.foldAtKeys = foldAtKeys
        self.directBatchKeys = directBatchKeys
    }
}

/// The writer's copy of `requests.recent` (key → seq), so that duplicate checks and retries do
/// not scan it. Valid for the log as of `asOfSeq` only: a commit moves it on after it is durable
/// (never before, so an aborted transaction leaves no key here), and a log that moved without it
/// (another process appended) is reloaded from `requests.recent` before it is used again.
struct RecentRequests {
    var seqByKey: [String: Seq] = [:]
    var asOfSeq: Seq

    /// Reads `requests.recent` (nil: a read-only log made before it existed, so empty).
    static func load(_ transaction: ReadTransaction, _ recent: Database?, asOfSeq: Seq) throws -> RecentRequests {
        var loaded = RecentRequests(asOfSeq: asOfSeq)
        guard let recent else { return loaded }
        try transaction.withCursor(recent) { cursor in
            var entry = try cursor.first()
            while let (seqBytes, key) = entry {
                guard seqBytes.count == 8 else { throw StoreError.corrupt(reason: "a requests.recent key is \(seqBytes.count) bytes, not 8") }
                loaded.seqByKey[String(decoding: key, as: UTF8.self)] = BigEndian.uint64(seqBytes)
                entry = try cursor.next()
            }
        }
        return loaded
    }

    /// The seq under `key` in `requests.recent`, by a scan: for readers without a valid map
    /// (another process, or a snapshot older or newer than the map). Bounded by the policy's
    /// `foldAtKeys` plus one batch.
    static func scan(_ transaction: ReadTransaction, _ recent: Database, for key: UnsafeRawBufferPointer) throws -> Seq? {
        try transaction.withCursor(recent) { cursor in
            var entry = try cursor.first()
            while let (seqBytes, stored) = entry {
                if stored.elementsEqual(key) { return try EventLog.decodeSeq(seqBytes) }
                entry = try cursor.next()
            }
            return nil
        }
    }
}
