import CLMDB

/// Turns an LMDB return code into a typed error; `operation` names the C call for the message.
@inline(__always)
func check(_ status: Int32, _ operation: StaticString) throws(StoreError) {
    guard status == MDB_SUCCESS else { throw lmdbError(status, operation) }
}

func lmdbError(_ status: Int32, _ operation: StaticString) -> StoreError {
    .lmdb(status: status, operation: "\(operation)", message: String(cString: mdb_strerror(status)))
}
