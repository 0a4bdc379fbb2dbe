/// The idempotency key of an append (SPEC §8: "the same key again returns the same answer"):
/// its limit is part of the contract, so the protocol that refuses a longer key and the log that
/// stores it read the same number. SPEC does not name it; docs/PROTOCOL.md does (1–255 bytes of
/// UTF-8, and the binary frame's u8 length), well below LMDB's 511-byte keys.
public enum RequestKey {
    /// A request key is 1 to this many bytes of UTF-8.
    public static let maxBytes = 255
}
