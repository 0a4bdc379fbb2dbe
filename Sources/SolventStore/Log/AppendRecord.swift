import SolventCore

/// One record to append: the store checks seq and time order and chains `bytes`, but never
/// looks inside them.
public struct AppendRecord: Sendable {
    public var seq: Seq
    public var time: TimeMs
    /// The canonical record encoding without prevHash (the store appends prevHash): often a
    /// slice of one buffer holding a whole group's records (`StagedBatch.commit`).
    public var bytes: ArraySlice<UInt8>
    /// The client's idempotency key, 1...255 UTF-8 bytes; nil for records without one (derived).
    public var requestKey: String?

    public init(seq: Seq, time: TimeMs, bytes: [UInt8], requestKey: String? = nil) {
        self.init(seq: seq, time: time, bytes: bytes[...], requestKey: requestKey)
    }

    public init(seq: Seq, time: TimeMs, bytes: ArraySlice<UInt8>, requestKey: String? = nil) {
        self.seq = seq
        self.time = time
        self.bytes = bytes
        self.requestKey = requestKey
    }
}

/// A state snapshot taken after applying every record up to and including `seq`.
public struct Snapshot: Equatable, Sendable {
    public var seq: Seq
    public var state: [UInt8]

    public init(seq: Seq, state: [UInt8]) {
        self.seq = seq
        self.state = state
    }
}
