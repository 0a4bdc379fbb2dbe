import CLMDB

/// A read-only view of one consistent LMDB snapshot. Valid only inside the closure that received
/// it; borrowed buffers it returns are valid only until that closure returns.
public class ReadTransaction {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) { self.pointer = pointer }

    /// The value under `key`, borrowed from the map (no copy), or nil.
    public func get(_ database: Database, key: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val()
        let status = mdb_get(pointer, database.handle, &keyValue, &data)
        if status == MDB_NOTFOUND { return nil }
        try check(status, "mdb_get")
        return data.buffer
    }

    /// The value under `key`, copied out, or nil.
    public func get(_ database: Database, key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { raw in try get(database, key: raw).map { Array($0) } }
    }

    /// Runs `body` with a cursor on `database`, closed when `body` returns.
    public func withCursor<R>(_ database: Database, _ body: (Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(pointer, database.handle, &cursor), "mdb_cursor_open")
        guard let cursor else { preconditionFailure("mdb_cursor_open succeeded without a cursor") }
        defer { mdb_cursor_close(cursor) }
        return try body(Cursor(pointer: cursor))
    }
}

/// A read-write transaction. Valid only inside `Environment.write`'s closure, which may run more
/// than once (see there): whatever it puts is discarded unless the closure returns normally.
public final class WriteTransaction: ReadTransaction {
    /// Set when LMDB reported MDB_MAP_FULL: the transaction is then unusable, whatever the body does
    /// with the error, and `Environment.write` grows the map and re-runs the body.
    private(set) var hitMapFull = false

    public func put(_ database: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val(borrowing: value)
        try record(mdb_put(pointer, database.handle, &keyValue, &data, 0), "mdb_put")
    }

    public func put(_ database: Database, key: [UInt8], value: [UInt8]) throws {
        try key.withUnsafeBytes { keyRaw in
            try value.withUnsafeBytes { valueRaw in try put(database, key: keyRaw, value: valueRaw) }
        }
    }

    /// Puts only if `key` is absent; otherwise returns the value already stored (borrowed).
    public func putIfAbsent(_ database: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val(borrowing: value)
        let status = mdb_put(pointer, database.handle, &keyValue, &data, UInt32(MDB_NOOVERWRITE))
        // On MDB_KEYEXIST LMDB points `data` at the existing value.
        if status == MDB_KEYEXIST { return data.buffer }
        try record(status, "mdb_put")
        return nil
    }

    /// Reserves `count` bytes under `key` and lets `fill` write them in place, saving a copy of
    /// large values (snapshots).
    func putReserved(_ database: Database, key: UnsafeRawBufferPointer, count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) throws(StoreError) {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val(mv_size: count, mv_data: nil)
        try record(mdb_put(pointer, database.handle, &keyValue, &data, UInt32(MDB_RESERVE)), "mdb_put")
        fill(UnsafeMutableRawBufferPointer(start: data.mv_data, count: count))
    }

    /// Runs `body` with a cursor that appends in key order (`MDB_APPEND`).
    func withAppendCursor<R>(_ database: Database, _ body: (AppendCursor) throws -> R) throws -> R {
        try withCursor(database) { cursor in try body(AppendCursor(cursor: cursor.pointer, transaction: self)) }
    }

    /// Runs `body` with a cursor for puts in ascending key order: LMDB then looks for each next
    /// key in the cursor's current leaf before searching from the root (`mdb_cursor_set`).
    func withPutCursor<R>(_ database: Database, _ body: (PutCursor) throws -> R) throws -> R {
        try withCursor(database) { cursor in try body(PutCursor(cursor: cursor.pointer, transaction: self)) }
    }

    /// Deletes every entry of `database` but keeps the database (`mdb_drop` with del = 0): its
    /// pages go to the free list as they are, none is copied or written.
    func empty(_ database: Database) throws(StoreError) {
        try record(mdb_drop(pointer, database.handle, 0), "mdb_drop")
    }

    /// Deletes the entry under `key`; false if there was none. (A delete copies the pages it
    /// changes, as a put does, so it can fill the map too.)
    @discardableResult
    func delete(_ database: Database, key: UnsafeRawBufferPointer) throws(StoreError) -> Bool {
        var keyValue = MDB_val(borrowing: key)
        let status = mdb_del(pointer, database.handle, &keyValue, nil)
        if status == MDB_NOTFOUND { return false }
        try record(status, "mdb_del")
        return true
    }

    /// Deletes every entry whose key is at or after `first` in byte order, last first, calling
    /// `removing` with each (borrowed) just before it goes; returns how many went. From the end,
    /// with `MDB_LAST` each time: no cursor is ever left on a deleted entry. Bounded by the
    /// database's entries.
    @discardableResult
    func deleteTail(_ database: Database, from first: UnsafeRawBufferPointer,
                    removing: (Entry) throws -> Void = { _ in }) throws -> Int {
        try withCursor(database) { cursor in
            var removed = 0
            while let entry = try cursor.last(), !entry.key.lexicographicallyPrecedes(first) {
                try removing(entry)
                try record(mdb_cursor_del(cursor.pointer, 0), "mdb_cursor_del")
                removed += 1
            }
            return removed
        }
    }

    /// Checks `status`, remembering MDB_MAP_FULL so that a swallowed error still triggers growth.
    func record(_ status: Int32, _ operation: StaticString) throws(StoreError) {
        if status == MDB_MAP_FULL { hitMapFull = true }
        try check(status, operation)
    }
}

extension MDB_val {
    /// Points at `raw` without copying; LMDB does not write through a key or an input value.
    init(borrowing raw: UnsafeRawBufferPointer) {
        self.init(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress))
    }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }
}
