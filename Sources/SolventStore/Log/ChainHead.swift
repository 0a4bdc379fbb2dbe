import SolventCore

/// The last record's seq, time and chain hash; stored under `chain`/"head" as
/// seq (u64 BE) ‖ time (i64 BE) ‖ hash (32 bytes).
public struct ChainHead: Equatable, Sendable {
    public let seq: Seq
    /// The last record's time; `TimeMs(.min)` for an empty log, so any first time is accepted.
    public let time: TimeMs
    let digest: Hash32

    /// An empty log: seq 0 and the all-zero hash that seq 1 will carry as its prevHash.
    public static let genesis = ChainHead(seq: 0, time: TimeMs(.min), digest: .zero)
    static let encodedCount = 8 + 8 + Hash32.byteCount

    init(seq: Seq, time: TimeMs, digest: Hash32) {
        self.seq = seq
        self.time = time
        self.digest = digest
    }

    init(decoding raw: UnsafeRawBufferPointer) throws(StoreError) {
        guard raw.count == Self.encodedCount else {
            throw .corrupt(reason: "chain head is \(raw.count) bytes, not \(Self.encodedCount)")
        }
        seq = Seq(BigEndian.uint64(raw, at: 0))
        time = TimeMs(Int64(bitPattern: BigEndian.uint64(raw, at: 8)))
        digest = Hash32(UnsafeRawBufferPointer(rebasing: raw[16...]))
    }

    /// The SHA-256 chain hash of the last record (32 zero bytes for an empty log).
    public var hash: [UInt8] { digest.bytes }

    func encoded() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.encodedCount) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            BigEndian.store(seq.rawValue, into: raw, at: 0)
            BigEndian.store(UInt64(bitPattern: time.rawValue), into: raw, at: 8)
            digest.copy(into: raw, at: 16)
            count = Self.encodedCount
        }
    }
}
