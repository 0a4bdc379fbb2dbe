import CLMDB

/// A key and value borrowed from the map; valid until the transaction ends or writes.
public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

/// An LMDB cursor, valid only inside `withCursor`'s closure.
public struct Cursor {
    let pointer: OpaquePointer

    /// The first entry whose key is at or after `key` in byte order.
    public func seek(atOrAfter key: UnsafeRawBufferPointer) throws(StoreError) -> Entry? {
        var keyValue = MDB_val(borrowing: key)
        return try get(&keyValue, MDB_SET_RANGE)
    }

    public func next() throws(StoreError) -> Entry? {
        var keyValue = MDB_val()
        return try get(&keyValue, MDB_NEXT)
    }

    public func previous() throws(StoreError) -> Entry? {
        var keyValue = MDB_val()
        return try get(&keyValue, MDB_PREV)
    }

    public func first() throws(StoreError) -> Entry? {
        var keyValue = MDB_val()
        return try get(&keyValue, MDB_FIRST)
    }

    public func last() throws(StoreError) -> Entry? {
        var keyValue = MDB_val()
        return try get(&keyValue, MDB_LAST)
    }

    private func get(_ key: inout MDB_val, _ operation: MDB_cursor_op) throws(StoreError) -> Entry? {
        var data = MDB_val()
        let status = mdb_cursor_get(pointer, &key, &data, operation)
        if status == MDB_NOTFOUND { return nil }
        try check(status, "mdb_cursor_get")
        return (key.buffer, data.buffer)
    }
}

/// Appends entries in increasing key order with `MDB_APPEND`, which skips the B-tree search and
/// fills pages completely; a key not above the last one fails with MDB_KEYEXIST.
struct AppendCursor {
    let cursor: OpaquePointer
    let transaction: WriteTransaction

    /// Reserves `count` bytes under `key` and lets `fill` write them in place (one copy, no
    /// intermediate value array).
    func append(key: UnsafeRawBufferPointer, count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) throws(StoreError) {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val(mv_size: count, mv_data: nil)
        let flags = UInt32(MDB_APPEND) | UInt32(MDB_RESERVE)
        try transaction.record(mdb_cursor_put(cursor, &keyValue, &data, flags), "mdb_cursor_put")
        fill(UnsafeMutableRawBufferPointer(start: data.mv_data, count: count))
    }
}

/// Puts entries through one cursor (see `WriteTransaction.withPutCursor`).
struct PutCursor {
    let cursor: OpaquePointer
    let transaction: WriteTransaction

    /// Puts only if `key` is absent; otherwise returns the value already stored (borrowed).
    func putIfAbsent(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(borrowing: key)
        var data = MDB_val(borrowing: value)
        let status = mdb_cursor_put(cursor, &keyValue, &data, UInt32(MDB_NOOVERWRITE))
        // On MDB_KEYEXIST LMDB points `data` at the existing value.
        if status == MDB_KEYEXIST { return data.buffer }
        try transaction.record(status, "mdb_cursor_put")
        return nil
    }
}
