/// The sub-databases of a log (SPEC §7) and the fixed keys inside them.
struct LogSchema: Sendable {
    static let metaName = "meta"
    static let recentRequestsNames = ["requests.recent.0", "requests.recent.1"]
    static let receiptsName = "receipts"
    static let requestsBySeqName = "requests.byseq"

    /// seq (u64 BE) → canonical record bytes ‖ prevHash.
    let events: Database
    /// "head" → `ChainHead` encoding.
    let chain: Database
    /// request key (UTF-8) → seq (u64 BE), for keys folded out of `recentRequests`.
    let requests: Database
    /// `requests.recent.0` and `.1`, seq (u64 BE) → request key (UTF-8): the keys not folded into
    /// `requests` yet (`RequestIndexPolicy`). Empty only for a log opened read-only that was
    /// made before they existed.
    let recentRequests: [Database]
    /// seq (u64 BE) → request key (UTF-8) of every keyed record, appended with its record
    /// whichever way its key went (a recent database or straight into `requests`), and kept when
    /// a fold moves it: the one index by seq, which replication and truncation read. Has no
    /// entries for records appended before it existed; nil only for such a log opened read-only.
    let requestsBySeq: Database?
    /// request key (UTF-8) → the receipt of a batch append stored under it (its per-event
    /// results, as the server encodes them), written in the transaction of the batch's records.
    /// nil only for a log opened read-only that was made before batches existed.
    let receipts: Database?
    /// seq (u64 BE) → state bytes ‖ SHA-256(state).
    let snapshots: Database
    /// "formatVersion" → u32 BE, "createdTimeMs" → i64 BE, optional "snapshotEvery" → u64 BE,
    /// optional "rulesVersion" → u32 BE (absent: rules 1).
    let meta: Database

    /// Opens every sub-database; nil if one is missing and `create` is false. The recent request
    /// databases, `receipts` and `requests.byseq` are created whenever the environment is
    /// writable, so a log made before they existed opens.
    static func open(in environment: Environment, create: Bool) throws -> LogSchema? {
        func named(_ name: String) throws -> Database? { try environment.database(named: name, create: create) }
        guard let events = try named("events"), let chain = try named("chain"),
              let requests = try named("requests"), let snapshots = try named("snapshots"),
              let meta = try named(metaName)
        else { return nil }
        let recent = try recentRequestsNames.compactMap { try environment.database(named: $0, create: !environment.isReadOnly) }
        guard recent.isEmpty || recent.count == 2 else { return nil }
        let receipts = try environment.database(named: receiptsName, create: !environment.isReadOnly)
        let bySeq = try environment.database(named: requestsBySeqName, create: !environment.isReadOnly)
        return LogSchema(events: events, chain: chain, requests: requests, recentRequests: recent, requestsBySeq: bySeq,
                         receipts: receipts, snapshots: snapshots, meta: meta)
    }
}

enum MetaKey {
    static let formatVersion = Array("formatVersion".utf8)
    static let createdTimeMs = Array("createdTimeMs".utf8)
    static let snapshotEvery = Array("snapshotEvery".utf8)
    /// u32 BE: the engine rules version the log is written under; absent in logs created before
    /// rules were versioned, which are rules 1 (SPEC §5.11).
    static let rulesVersion = Array("rulesVersion".utf8)
}

enum ChainKey {
    static let head = Array("head".utf8)
}
