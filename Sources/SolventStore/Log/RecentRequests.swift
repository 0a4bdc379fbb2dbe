import SolventCore

/// How recent request keys move into the `requests` index (docs/FORMAT.md, "Request keys").
///
/// A key goes first to one of two recent databases (seq → key, appended with `MDB_APPEND`), so a
/// commit writes its keys into one or two pages there instead of one leaf of `requests` per
/// client — each client's keys have their own stretch of that B-tree, so 64 clients with one
/// request each dirtied about 64 pages per commit (docs/INGEST.md, "64 clients"). Once the
/// current one holds `foldAtKeys`, new keys go to the other, and the next commits each put
/// `foldChunkKeys` of the full one's keys into `requests` in key order, then empty it: each leaf
/// of `requests` is rewritten about once per fold instead of once per commit, and no single
/// commit carries the whole fold (a fold of 4,096 in one commit took 3.1–5.0 ms against 0.7–1.4 ms).
public struct RequestIndexPolicy: Sendable, Equatable {
    /// Keys in the current recent database that start a fold. 4,096: with 64 clients a fold
    /// starts every 64 commits and rewrites each client's leaf once (about 1 page per commit
    /// amortised, against 64), while the recent keys stay few: about 100 KiB in the writer's
    /// memory per database, and a scan of both (a reader in another process, which has no map)
    /// well under a millisecond. The figure is not part of the format: any value reads any log.
    public var foldAtKeys: Int
    /// Keys folded per commit: 256, so a fold of 4,096 takes 16 commits, each a few leaves and
    /// about 0.1 ms more. At least `directBatchKeys`, so folding keeps up with any stream of
    /// batches that go through the recent databases.
    public var foldChunkKeys: Int
    /// A batch with at least this many keys (a pipelined client's window) puts them straight into
    /// `requests`: such a batch's keys mostly follow each other and share leaves already, so
    /// routing them through a recent database would only write them twice.
    public var directBatchKeys: Int

    public static let standard = RequestIndexPolicy(foldAtKeys: 4_096, foldChunkKeys: 256, directBatchKeys: 256)

    public init(foldAtKeys: Int, foldChunkKeys: Int, directBatchKeys: Int) {
        precondition(foldAtKeys >= 1 && foldChunkKeys >= 1 && directBatchKeys >= 1, "request index thresholds must be positive")
        self.foldAtKeys = foldAtKeys
        self.foldChunkKeys = foldChunkKeys
        self.directBatchKeys = directBatchKeys
    }
}

/// The writer's copy of the two recent databases, so that duplicate checks and retries do not
/// scan them. Valid for the log as of `asOfSeq` only: a commit moves it on after it is durable
/// (never before, so an aborted transaction leaves no key here), and a log that moved without it
/// (another process appended) is reloaded from the databases before it is used again.
struct RecentRequests {
    /// Every key in either recent database (a key being folded may be in `requests` too, with
    /// the same seq).
    var seqByKey: [KeyBytes: Seq] = [:]
    var asOfSeq: Seq
    /// The recent database new keys go to (0 or 1).
    var current = 0
    /// The other database's keys in key order, being folded; empty when that database is.
    var folding: [(key: String, seq: Seq)] = []
    /// How many of `folding` are in `requests`.
    var folded = 0

    var currentCount: Int { seqByKey.count - folding.count }

    /// Reads both recent databases (none: a read-only log made before they existed). The one
    /// holding the latest seq is current; a fold the other was in is started again (its keys
    /// already in `requests` are found there with the same seq).
    static func load(_ transaction: ReadTransaction, _ databases: [Database], asOfSeq: Seq) throws -> RecentRequests {
        var loaded = RecentRequests(asOfSeq: asOfSeq)
        var contents: [[(key: String, seq: Seq)]] = []
        for database in databases {
            var entries: [(key: String, seq: Seq)] = []
            try transaction.withCursor(database) { cursor in
                var entry = try cursor.first()
                while let (seqBytes, key) = entry {
                    entries.append((String(decoding: key, as: UTF8.self), try EventLog.decodeSeq(seqBytes)))
                    entry = try cursor.next()
                }
            }
            contents.append(entries)
        }
        guard contents.count == 2 else { return loaded }
        loaded.current = (contents[1].last?.seq ?? 0) > (contents[0].last?.seq ?? 0) ? 1 : 0
        for entries in contents { for (key, seq) in entries { loaded.seqByKey[KeyBytes(key)] = seq } }
        loaded.folding = contents[1 - loaded.current].sorted { $0.key < $1.key }
        return loaded
    }

    /// The seq under `key` in the recent databases, by a scan: for readers without a valid map
    /// (another process, or a snapshot older or newer than the map). Bounded by the policy.
    static func scan(_ transaction: ReadTransaction, _ databases: [Database], for key: UnsafeRawBufferPointer) throws -> Seq? {
        for database in databases {
            let found = try transaction.withCursor(database) { cursor -> Seq? in
                var entry = try cursor.first()
                while let (seqBytes, stored) = entry {
                    if stored.count == key.count && stored.elementsEqual(key) { return try EventLog.decodeSeq(seqBytes) }
                    entry = try cursor.next()
                }
                return nil
            }
            if let found { return found }
        }
        return nil
    }
}
