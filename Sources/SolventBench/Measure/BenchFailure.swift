/// Why a bench could not measure (a daemon that did not start, an LMDB call that failed); the
/// CLI prints its message and exits non-zero.
public struct BenchFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
