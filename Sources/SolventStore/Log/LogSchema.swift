/// The sub-databases of a log (SPEC §7) and the fixed keys inside them.
struct LogSchema: Sendable {
    static let metaName = "meta"

    /// seq (u64 BE) → canonical record bytes ‖ prevHash.
    let events: Database
    /// "head" → `ChainHead` encoding.
    let chain: Database
    /// request key (UTF-8) → seq (u64 BE).
    let requests: Database
    /// seq (u64 BE) → state bytes ‖ SHA-256(state).
    let snapshots: Database
    /// "formatVersion" → u32 BE, "createdTimeMs" → i64 BE, optional "snapshotEvery" → u64 BE.
    let meta: Database

    /// Opens every sub-database; nil if one is missing and `create` is false.
    static func open(in environment: Environment, create: Bool) throws -> LogSchema? {
        func named(_ name: String) throws -> Database? { try environment.database(named: name, create: create) }
        guard let events = try named("events"), let chain = try named("chain"),
              let requests = try named("requests"), let snapshots = try named("snapshots"),
              let meta = try named(metaName)
        else { return nil }
        return LogSchema(events: events, chain: chain, requests: requests, snapshots: snapshots, meta: meta)
    }
}

enum MetaKey {
    static let formatVersion = Array("formatVersion".utf8)
    static let createdTimeMs = Array("createdTimeMs".utf8)
    static let snapshotEvery = Array("snapshotEvery".utf8)
}

enum ChainKey {
    static let head = Array("head".utf8)
}
