import CLMDB

/// A named LMDB sub-database handle, opened once per environment and valid for its lifetime.
public struct Database: Hashable, Sendable {
    let handle: MDB_dbi
    public let name: String
}
