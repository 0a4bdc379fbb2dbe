import SolventCore

/// The append-only, hash-chained event log in one LMDB environment (SPEC §7).
///
/// One process writes; any number of threads may read. Appends from several threads are safe
/// (they are serialised), but the daemon's committer is meant to be the only writer.
public final class EventLog: @unchecked Sendable {
    /// 2: request keys also live in `requests.recent.0`/`.1` until folded (docs/FORMAT.md,
    /// "Request keys"). A build that knows only version 1 would not look there and could store
    /// a key twice, so the number moves and such a build refuses the log instead.
    public static let supportedFormatVersion: UInt32 = 2
    /// Version 1 logs open; a writable open migrates them to 2 (it only adds the recent
    /// databases, which start empty).
    public static let oldestFormatVersion: UInt32 = 1
    /// A bound on one transaction's records, so a runaway group commit fails loudly.
    public static let maxBatchRecords = 1 << 20
    /// The protocol's request-key limit (SolventCore's `RequestKey`), which the log enforces too.
    public static let maxRequestKeyBytes = RequestKey.maxBytes

    public let environment: Environment
    let schema: LogSchema
    /// The format version of the log as opened: `supportedFormatVersion` once opened for
    /// writing; an older one opened read-only stays as it is.
    public let formatVersion: UInt32
    /// The creation time passed to `create`.
    public let createdTimeMs: TimeMs
    /// The snapshot interval recorded by `create`, so every process writing this log agrees on
    /// it; nil if none was recorded. The store itself never decides when to snapshot.
    public let snapshotEvery: UInt64?
    /// The engine rules the log is written under (`meta`, SPEC §5.11): every ledger built from
    /// this log applies them, whichever release reads it.
    public let rules: RulesVersion
    /// Refreshed at open and after each commit, so `head` costs no transaction.
    private let cachedHead: Locked<ChainHead>
    /// When recent request keys are folded into `requests`.
    public let requestIndex: RequestIndexPolicy
    /// The recent request databases as a map, moved on after each commit (`RecentRequests`).
    let recentRequests: Locked<RecentRequests>

    /// Initialises an empty log in `directory` (created if needed); refuses an existing log.
    public static func create(
        directory: String, createdTimeMs: TimeMs, snapshotEvery: UInt64? = nil, initialMapSizeBytes: Int = 1 << 30,
        rules: RulesVersion = .current
    ) throws {
        precondition(snapshotEvery != 0, "snapshotEvery must be positive")
        try Directory.create(directory)
        let environment = try Environment(directory: directory, initialMapSizeBytes: initialMapSizeBytes)
        guard let schema = try LogSchema.open(in: environment, create: true) else {
            preconditionFailure("sub-databases opened with MDB_CREATE must exist")
        }
        try environment.write { transaction in
            guard try transaction.get(schema.meta, key: MetaKey.formatVersion) == nil else {
                throw StoreError.alreadyInitialized(directory: directory)
            }
            try transaction.put(schema.meta, key: MetaKey.formatVersion, value: BigEndian.bytes(of: supportedFormatVersion))
            try transaction.put(schema.meta, key: MetaKey.createdTimeMs, value: BigEndian.bytes(of: UInt64(bitPattern: createdTimeMs.rawValue)))
            if let snapshotEvery {
                try transaction.put(schema.meta, key: MetaKey.snapshotEvery, value: BigEndian.bytes(of: snapshotEvery))
            }
            try transaction.put(schema.meta, key: MetaKey.rulesVersion, value: BigEndian.bytes(of: rules.rawValue))
        }
    }

    /// Opens the log that `create` made in `directory`. `readOnly` opens it with MDB_RDONLY:
    /// nothing is ever written (no transaction, not even to open sub-databases), so audits can run
    /// beside a live daemon or on a read-only copy; `append` then fails.
    public init(directory: String, initialMapSizeBytes: Int = 1 << 30, maxMapSizeBytes: Int = 1 << 40,
                readOnly: Bool = false, requestIndex: RequestIndexPolicy = .standard) throws {
        // Checked first so that opening a wrong path does not leave LMDB files behind.
        guard Directory.holdsDataFile(directory) else { throw StoreError.notInitialized(directory: directory) }
        let environment = try Environment(
            directory: directory, initialMapSizeBytes: initialMapSizeBytes, maxMapSizeBytes: maxMapSizeBytes,
            readOnly: readOnly)
        guard let meta = try environment.database(named: LogSchema.metaName, create: false),
              let (version, created, snapshotEvery, rules) = try Self.readMeta(environment, meta)
        else { throw StoreError.notInitialized(directory: directory) }
        guard (Self.oldestFormatVersion...Self.supportedFormatVersion).contains(version) else {
            throw StoreError.unsupportedFormat(found: version, supported: Self.supportedFormatVersion)
        }
        guard let schema = try LogSchema.open(in: environment, create: false) else {
            throw StoreError.corrupt(reason: "a sub-database is missing from \(directory)")
        }
        self.environment = environment
        self.schema = schema
        self.formatVersion = readOnly ? version : try Self.migrate(environment, meta, from: version)
        self.createdTimeMs = created
        self.snapshotEvery = snapshotEvery
        self.rules = rules
        self.requestIndex = requestIndex
        let (head, recent) = try environment.read { transaction in
            let head = try Self.readHead(transaction, schema)
            return (head, try RecentRequests.load(transaction, schema.recentRequests, asOfSeq: head.seq, reserving: requestIndex.reservedKeys))
        }
        self.cachedHead = Locked(head)
        self.recentRequests = Locked(recent)
    }

    /// Records the current format version in a log opened for writing (its schema is current:
    /// `LogSchema.open` has created what an older version lacked).
    private static func migrate(_ environment: Environment, _ meta: Database, from version: UInt32) throws -> UInt32 {
        guard version < supportedFormatVersion else { return version }
        try environment.write { transaction in
            try transaction.put(meta, key: MetaKey.formatVersion, value: BigEndian.bytes(of: supportedFormatVersion))
        }
        return supportedFormatVersion
    }

    private static func readMeta(_ environment: Environment, _ meta: Database) throws -> (UInt32, TimeMs, UInt64?, RulesVersion)? {
        try environment.read { transaction in
            guard let version = try transaction.get(meta, key: MetaKey.formatVersion),
                  let created = try transaction.get(meta, key: MetaKey.createdTimeMs)
            else { return nil }
            let snapshotEvery = try transaction.get(meta, key: MetaKey.snapshotEvery)
            let rules = try transaction.get(meta, key: MetaKey.rulesVersion)
            guard version.count == 4, created.count == 8, snapshotEvery.map({ $0.count == 8 }) ?? true,
                  rules.map({ $0.count == 4 }) ?? true else {
                throw StoreError.corrupt(reason: "meta values have the wrong size")
            }
            let rulesNumber = rules?.withUnsafeBytes { BigEndian.uint32($0) } ?? RulesVersion.v1.rawValue
            guard let known = RulesVersion(rawValue: rulesNumber) else {
                throw StoreError.corrupt(reason: "engine rules \(rulesNumber) are newer than this release applies (\(RulesVersion.current))")
            }
            return (version.withUnsafeBytes { BigEndian.uint32($0) },
                    TimeMs(Int64(bitPattern: created.withUnsafeBytes { BigEndian.uint64($0) })),
                    snapshotEvery?.withUnsafeBytes { BigEndian.uint64($0) }, known)
        }
    }

    /// The last committed record's seq, time and hash (cached; no transaction).
    public var head: ChainHead { cachedHead.get() }
    public var lastSeq: Seq { head.seq }
    public var lastTime: TimeMs { head.time }
    public var headHash: [UInt8] { head.hash }

    /// Runs `body` with a reader over one consistent prefix of the log; see `Environment.read`.
    public func read<T>(_ body: (LogReader) throws -> T) throws -> T {
        try environment.read { transaction in
            try body(LogReader(transaction: transaction, schema: schema, head: try Self.readHead(transaction, schema),
                               recentRequests: recentRequests))
        }
    }

    /// The seq first appended with request `key`, or nil.
    public func requestSeq(_ key: String) throws -> Seq? {
        try read { try $0.requestSeq(key) }
    }

    func updateCachedHead(_ committed: ChainHead) {
        // Two in-process writers may finish out of order; the cache only moves forward.
        cachedHead.update { if committed.seq >= $0.seq { $0 = committed } }
    }

    /// Sets the cached head even backwards: a truncation is the one change that moves it back.
    func resetCachedHead(_ head: ChainHead) {
        cachedHead.update { $0 = head }
    }

    static func readHead(_ transaction: ReadTransaction, _ schema: LogSchema) throws -> ChainHead {
        try readStoredHead(transaction, schema) ?? .genesis
    }

    static func readStoredHead(_ transaction: ReadTransaction, _ schema: LogSchema) throws -> ChainHead? {
        try ChainKey.head.withUnsafeBytes { key in
            try transaction.get(schema.chain, key: key).map { raw throws(StoreError) in try ChainHead(decoding: raw) }
        }
    }
}
