import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One LMDB environment (a directory holding data.mdb and lock.mdb), with closure-scoped
/// transactions and a map that grows on demand.
///
/// Open each directory once per process: LMDB's advisory locks are per process, and closing a
/// second handle on the same files would drop the first one's locks.
public final class Environment: @unchecked Sendable {
    public static let maxDatabases: UInt32 = 16
    public static let maxReaders: UInt32 = 126

    let pointer: OpaquePointer
    public let directory: String
    /// Growth stops here; past it a full map is `storage_full`.
    public let maxMapSizeBytes: Int
    /// Opened with MDB_RDONLY: never writes (no write transaction can begin), safe beside a
    /// running writer, and usable on a copy the process may not write to.
    public let isReadOnly: Bool

    /// `mdb_env_set_mapsize` is legal only while this process has no transaction open: every
    /// transaction holds this lock shared, a resize holds it exclusive.
    private let resizeLock = ReadWriteLock()
    /// LMDB serialises writers itself, but a writer must also own growth and retry end to end.
    private let writerLock = Lock()

    /// Opens (creating the files if absent) the environment in `directory`, which must exist.
    public init(directory: String, initialMapSizeBytes: Int = 1 << 30, maxMapSizeBytes: Int = 1 << 40,
                readOnly: Bool = false) throws(StoreError) {
        precondition(initialMapSizeBytes > 0 && initialMapSizeBytes <= maxMapSizeBytes, "map size bounds")
        var created: OpaquePointer?
        try check(mdb_env_create(&created), "mdb_env_create")
        guard let env = created else { preconditionFailure("mdb_env_create succeeded without an env") }
        do throws(StoreError) {
            try check(mdb_env_set_maxdbs(env, Self.maxDatabases), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, Self.maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, initialMapSizeBytes), "mdb_env_set_mapsize")
            // MDB_NOTLS: a read transaction's reader slot belongs to the transaction, not the
            // thread, so async code may finish a read on another thread. Sync flags stay default:
            // a commit is durable when it returns.
            // MDB_RDONLY still takes a reader slot in lock.mdb like any reader, so the writer
            // never reuses pages this process reads.
            let flags = UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0)
            try check(mdb_env_open(env, directory, flags, 0o644), "mdb_env_open")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.pointer = env
        self.directory = directory
        self.maxMapSizeBytes = maxMapSizeBytes
        self.isReadOnly = readOnly
    }

    deinit { mdb_env_close(pointer) }

    /// The current map size; LMDB raises it at open to what the file already needs.
    public var mapSizeBytes: Int {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        return info.me_mapsize
    }

    /// Runs `body` in a read-only transaction (a consistent snapshot), always aborted afterwards.
    /// Do not nest reads on one thread, and do not wait inside `body` for a write to finish: a
    /// write that must grow the map waits for every open read.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        let transaction = try begin(flags: UInt32(MDB_RDONLY))
        defer {
            mdb_txn_abort(transaction)
            resizeLock.unlock()
        }
        return try body(ReadTransaction(pointer: transaction))
    }

    /// Runs `body` in a write transaction: commits (durably) if it returns, aborts if it throws.
    ///
    /// If the map fills, the transaction is aborted, the map doubled, and `body` RUN AGAIN from
    /// the start in a fresh transaction. `body` must therefore be re-runnable: it may read and put,
    /// but must not change state outside the transaction (counters, caches, queues) — do that
    /// after `write` returns.
    public func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        try writerLock.withLock {
            while true {
                if let value = try attemptWrite(body) { return value }
                try growMap()
            }
        }
    }

    /// One try of `write`; nil when the map filled and the body must be re-run.
    private func attemptWrite<T>(_ body: (WriteTransaction) throws -> T) throws -> T? {
        let pointer = try begin(flags: 0)
        defer { resizeLock.unlock() }
        let transaction = WriteTransaction(pointer: pointer)
        let value: T
        do {
            value = try body(transaction)
        } catch {
            mdb_txn_abort(pointer)
            if transaction.hitMapFull || (error as? StoreError)?.isMapFull == true { return nil }
            throw error
        }
        if transaction.hitMapFull {
            mdb_txn_abort(pointer)
            return nil
        }
        // mdb_txn_commit frees the transaction whether or not it succeeds.
        let status = mdb_txn_commit(pointer)
        if status == MDB_MAP_FULL { return nil }
        if status == ENOSPC || status == EIO && freeBytes() < Self.nearlyFullBytes {
            throw StoreError.storageFull(mapSizeBytes: mapSizeBytes, reason: "no space left on the device")
        }
        try check(status, "mdb_txn_commit")
        return value
    }

    /// A commit's pages go out in `pwritev` calls of up to 64 pages; one that a full filesystem
    /// cuts short comes back as EIO, not ENOSPC (LMDB 0.9 mdb.c, `mdb_page_flush`: a short write
    /// sets `rc = EIO`), which is what a full tmpfs gives. So EIO with less than this free on the
    /// data's filesystem is a full disk (`storage_full`); with more, an I/O error.
    static let nearlyFullBytes = 4 << 20

    /// Bytes an unprivileged writer may still use on the filesystem of `directory`.
    private func freeBytes() -> Int {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return Int.max }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Begins a transaction holding `resizeLock` shared; the caller unlocks after ending it.
    private func begin(flags: UInt32) throws(StoreError) -> OpaquePointer {
        // Another process may grow the map; LMDB then refuses new transactions until we adopt
        // the new size. Bounded: each adoption takes the size the file now has.
        for _ in 0..<8 {
            resizeLock.lockShared()
            var transaction: OpaquePointer?
            let status = mdb_txn_begin(pointer, nil, flags, &transaction)
            if status == MDB_SUCCESS, let transaction { return transaction }
            resizeLock.unlock()
            guard status == MDB_MAP_RESIZED else { throw lmdbError(status, "mdb_txn_begin") }
            try adoptForeignResize()
        }
        throw lmdbError(MDB_MAP_RESIZED, "mdb_txn_begin")
    }

    private func adoptForeignResize() throws(StoreError) {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        try check(mdb_env_set_mapsize(pointer, 0), "mdb_env_set_mapsize")
    }

    /// Doubles the map, up to `maxMapSizeBytes`.
    private func growMap() throws(StoreError) {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        let current = mapSizeBytes
        guard current < maxMapSizeBytes else {
            throw .storageFull(mapSizeBytes: current, reason: "the map reached its limit of \(maxMapSizeBytes) bytes")
        }
        let (doubled, overflow) = current.multipliedReportingOverflow(by: 2)
        let next = overflow ? maxMapSizeBytes : min(doubled, maxMapSizeBytes)
        let status = mdb_env_set_mapsize(pointer, next)
        guard status == MDB_SUCCESS else {
            throw .storageFull(mapSizeBytes: current, reason: String(cString: mdb_strerror(status)))
        }
    }

    /// Opens the named sub-database, creating it if `create`; nil if absent and not created.
    /// Call before sharing the environment: LMDB forbids concurrent `mdb_dbi_open`.
    public func database(named name: String, create: Bool) throws -> Database? {
        if isReadOnly {
            precondition(!create, "a read-only environment cannot create a sub-database")
            return try openDatabaseReadOnly(named: name)
        }
        return try write { transaction in
            var handle = MDB_dbi()
            let flags = create ? UInt32(MDB_CREATE) : 0
            let status = mdb_dbi_open(transaction.pointer, name, flags, &handle)
            if status == MDB_NOTFOUND { return nil }
            try transaction.record(status, "mdb_dbi_open")
            return Database(handle: handle, name: name)
        }
    }

    /// `mdb_dbi_open` in a read-only transaction, which must COMMIT (not abort) for the handle
    /// to outlive it (LMDB's mdb_dbi_open documentation).
    private func openDatabaseReadOnly(named name: String) throws -> Database? {
        let transaction = try begin(flags: UInt32(MDB_RDONLY))
        defer { resizeLock.unlock() }
        var handle = MDB_dbi()
        let status = mdb_dbi_open(transaction, name, 0, &handle)
        guard status == MDB_SUCCESS else {
            mdb_txn_abort(transaction)
            if status == MDB_NOTFOUND { return nil }
            throw lmdbError(status, "mdb_dbi_open")
        }
        try check(mdb_txn_commit(transaction), "mdb_txn_commit")
        return Database(handle: handle, name: name)
    }
}
