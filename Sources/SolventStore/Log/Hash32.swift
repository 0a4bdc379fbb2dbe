import Crypto

/// A SHA-256 value held inline (no heap allocation), for the running chain hash.
struct Hash32: Equatable, Sendable {
    static let byteCount = 32
    static let zero = Hash32(words: (0, 0, 0, 0))

    private var words: (UInt64, UInt64, UInt64, UInt64)

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    init(_ raw: UnsafeRawBufferPointer) {
        precondition(raw.count == Self.byteCount, "a SHA-256 value is 32 bytes")
        words = (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    init(_ digest: SHA256Digest) { self = digest.withUnsafeBytes { Hash32($0) } }

    /// SHA-256 of `bytes`.
    static func of(_ bytes: UnsafeRawBufferPointer) -> Hash32 {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return Hash32(hasher.finalize())
    }

    /// The chain rule (docs/FORMAT.md): hash_k = SHA-256(prevHash_k ‖ bytes_k), where bytes_k is
    /// the canonical record encoding without prevHash, prevHash_1 is 32 zero bytes and
    /// prevHash_k = hash_(k-1). The `events` value of seq k is bytes_k ‖ prevHash_k.
    static func chained(after previous: Hash32, bytes: UnsafeRawBufferPointer) -> Hash32 {
        // One contiguous one-shot hash: swift-crypto's per-update overhead is a large share of
        // the cost of hashing a ~100-byte record (measured by `solvent bench store`).
        withUnsafeTemporaryAllocation(byteCount: byteCount + bytes.count, alignment: 8) { scratch in
            previous.copy(into: scratch, at: 0)
            UnsafeMutableRawBufferPointer(rebasing: scratch[byteCount...]).copyMemory(from: bytes)
            return Hash32(SHA256.hash(data: UnsafeRawBufferPointer(scratch)))
        }
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// Writes the 32 bytes at `offset` of `destination`.
    func copy(into destination: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + Self.byteCount <= destination.count, "hash out of bounds")
        withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: destination[offset...]).copyMemory(from: $0) }
    }

    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    static func == (lhs: Hash32, rhs: Hash32) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }
}
