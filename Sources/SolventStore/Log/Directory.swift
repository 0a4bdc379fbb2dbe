#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system checks the log needs before LMDB touches a directory.
enum Directory {
    /// True if `directory` holds an LMDB data file (so opening it will not create one).
    static func holdsDataFile(_ directory: String) -> Bool {
        access(directory + "/data.mdb", F_OK) == 0
    }

    /// `mkdir -p`.
    static func create(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(path: prefix, reason: String(cString: strerror(errno)))
            }
        }
    }
}
