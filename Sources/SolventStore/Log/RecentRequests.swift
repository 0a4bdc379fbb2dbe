import SolventCore

/// How recent request keys move into the `requests` index (docs/FORMAT.md, "Request keys").
///
/// A key goes first to one of two recent databases (seq → key, appended with `MDB_APPEND`), so a
/// commit writes its keys into one or two pages there instead of one leaf of `requests` per
/// client — each client's keys have their own stretch of that B-tree, so 64 clients with one
/// request each dirtied about 64 pages per commit (docs/INGEST.md, "64 clients"). Once the
/// current one holds `foldAtKeys`, new keys go to the other, and the next commits each put as
/// many of the full one's keys into `requests`, in key order, as they add to a recent one (at
/// least `foldChunkKeys`), then empty it: each leaf of `requests` is rewritten about once per
/// fold instead of once per commit, and every commit carries an even share of the fold (the
/// whole fold in one commit took 3.1–5.0 ms against 0.7–1.4 ms; 256 keys in every fourth commit
/// set the 64-client p75–p97, docs/INGEST.md, "The fold, smoothed").
public struct RequestIndexPolicy: Sendable, Equatable {
    /// Keys in the current recent database that start a fold. 4,096: with 64 clients a fold
    /// starts every 64 commits and rewrites each client's leaf once (about 1 page per commit
    /// amortised, against 64), while the recent keys stay few: about 100 KiB in the writer's
    /// memory per database, and a scan of both (a reader in another process, which has no map)
    /// well under a millisecond. The figure is not part of the format: any value reads any log.
    public var foldAtKeys: Int
    /// The fewest keys a commit folds: 64. A commit folds as many as it adds to the recent
    /// databases when that is more, so a fold always ends before the other database fills; with
    /// 64 clients every commit then folds about 64 keys (a leaf or two), where 256 in every
    /// fourth commit made those commits the slow quarter.
    public var foldChunkKeys: Int
    /// A batch with at least this many keys (a pipelined client's window) puts them straight into
    /// `requests`: such a batch's keys mostly follow each other and share leaves already, so
    /// routing them through a recent database would only write them twice.
    public var directBatchKeys: Int

    public static let standard = RequestIndexPolicy(foldAtKeys: 4_096, foldChunkKeys: 64, directBatchKeys: 256)

    /// Keys a recent database's map is made room for: a fold's, plus the batch that starts it,
    /// up to 16,384 (a policy that never folds, as `store.keys64`'s baseline, gets no more).
    var reservedKeys: Int { min(foldAtKeys + directBatchKeys, 16_384) }

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
    /// The keys of each recent database (a key being folded may be in `requests` too, with the
    /// same seq). One map per database, so that a finished fold drops its map whole: removing
    /// its 4,096 keys one by one from a shared map took 0.7 ms of the commit that ended it.
    var seqByKeyIn: [[KeyBytes: Seq]] = [[:], [:]]
    var asOfSeq: Seq
    /// The recent database new keys go to (0 or 1).
    var current = 0
    /// The other database's keys in key order, being folded; empty when that database is.
    var folding: [(key: String, seq: Seq)] = []
    /// How many of `folding` are in `requests`.
    var folded = 0
    /// The current database's keys in key order as of a seq, sorted ahead of the commit that
    /// starts a fold (`EventLog.prepareFold`).
    var nextFold: (asOfSeq: Seq, keys: [(key: String, seq: Seq)])?
    /// Keys the last commit added: the next is guessed alike when deciding to prepare a fold.
    var lastAdded = 0

    var currentCount: Int { seqByKeyIn[current].count }

    /// The seq of `key` if it is in either recent database. An empty map is not hashed into (a
    /// dictionary lookup hashes the key even then): a pipelining client's large batches go
    /// straight into `requests`, so its keys are looked up here while both stay empty.
    func seq(of key: KeyBytes) -> Seq? {
        if !seqByKeyIn[current].isEmpty, let seq = seqByKeyIn[current][key] { return seq }
        return seqByKeyIn[1 - current].isEmpty ? nil : seqByKeyIn[1 - current][key]
    }

    /// Whether neither recent database holds a key.
    var isEmpty: Bool { seqByKeyIn[0].isEmpty && seqByKeyIn[1].isEmpty }

    /// The current database's keys in key order: sorted ahead if they were for this seq.
    func currentInKeyOrder() -> [(key: String, seq: Seq)] {
        if let nextFold, nextFold.asOfSeq == asOfSeq { return nextFold.keys }
        return Self.inKeyOrder(seqByKeyIn[current].map { (key: $0.key.text, seq: $0.value) })
    }

    /// Every key in either recent database.
    var seqByKey: [KeyBytes: Seq] { seqByKeyIn[0].merging(seqByKeyIn[1]) { first, _ in first } }

    /// `keys` in the order LMDB keeps `requests` (UTF-8 bytes, a shorter key before the longer
    /// one it starts). Compared first by their first 8 bytes as one integer: sorting the 4,096
    /// keys that start a fold by `String` took about 0.5 ms of that commit.
    static func inKeyOrder(_ keys: [(key: String, seq: Seq)]) -> [(key: String, seq: Seq)] {
        var entries = keys.map { (prefix: orderPrefix($0.key), key: $0.key, seq: $0.seq) }
        entries.sort { $0.prefix != $1.prefix ? $0.prefix < $1.prefix : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return entries.map { (key: $0.key, seq: $0.seq) }
    }

    /// The first 8 UTF-8 bytes of `key`, big-endian, zero-padded: ordered as the bytes are, and
    /// equal only when they are (or one key is the other followed by zero bytes).
    static func orderPrefix(_ key: String) -> UInt64 {
        var prefix: UInt64 = 0
        var taken = 0
        for byte in key.utf8.prefix(8) {
            prefix = prefix << 8 | UInt64(byte)
            taken += 1
        }
        return taken == 8 ? prefix : prefix << (8 * UInt64(8 - taken))
    }

    /// Reads both recent databases (none: a read-only log made before they existed). The one
    /// holding the latest seq is current; a fold the other was in is started again (its keys
    /// already in `requests` are found there with the same seq).
    static func load(_ transaction: ReadTransaction, _ databases: [Database], asOfSeq: Seq, reserving: Int = 0) throws -> RecentRequests {
        var loaded = RecentRequests(asOfSeq: asOfSeq)
        // Room for a full database's keys: a map growing to 4,096 rehashed them all, twice per fill.
        for database in loaded.seqByKeyIn.indices { loaded.seqByKeyIn[database].reserveCapacity(reserving) }
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
        for (database, entries) in contents.enumerated() {
            for (key, seq) in entries { loaded.seqByKeyIn[database][KeyBytes(key)] = seq }
        }
        loaded.folding = inKeyOrder(contents[1 - loaded.current])
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
