import CSolventHints

/// Identifiers interned by their raw bytes as a record stores them (u8 length + bytes,
/// docs/FORMAT.md), so replay finds a known id without building a `String` for it.
///
/// Why: a replayed trade names a market and two accounts; decoding each into a new `String`
/// (UTF-8 checks, `Identifier.decode`) and then hashing that `String` to find the account
/// (`AccountTable.indices(of:)`) was ~13% of `solvent bench replay`. Here the bytes are hashed
/// once (the seedless FNV-1a of `InternSlots`) and compared with the interned id's UTF-8, which
/// for ids up to 15 bytes lies inside the `String` itself (no pointer to follow); the
/// `Identifier` handed back is the one made when the id was first met.
///
/// Lookup only, like `InternTable`: the slots are never iterated, so no hash order reaches an
/// output; an id's index is its order of first appearance.
struct ByteInternTable: Sendable {
    /// Interned ids; an id's index is its position here.
    private(set) var ids: [Identifier] = []
    private var slots = InternSlots()

    var count: Int { ids.count }

    /// The index of the id whose bytes are `key` (hashing to `hash`), or nil.
    @inline(__always)
    func index(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        ids.withUnsafeBufferPointer { ids in slots.find(hash) { Self.equal(ids[$0], key) } }
    }

    /// Interns `id`, whose bytes are `key` (hashing to `hash`) and which is not held yet; returns its index.
    mutating func append(_ id: Identifier, hash: UInt64) -> Int {
        ids.append(id)
        slots.added(hash, count: ids.count) { [ids] in InternSlots.hash(ids[$0]) }
        return ids.count - 1
    }

    /// Cache hint (batch decoding): starts loading the slot a lookup of `hash` begins at.
    @inline(__always)
    func prefetchSlot(_ hash: UInt64) { slots.prefetch(hash) }

    /// Cache hint: starts loading the id a lookup of `hash` most likely meets (its slot should
    /// be loaded by now).
    @inline(__always)
    func prefetchID(_ hash: UInt64) {
        guard let index = slots.guess(hash) else { return }
        ids.withUnsafeBufferPointer { ids in
            if index < ids.count { solvent_prefetch(ids.baseAddress! + index) }
        }
    }

    /// Whether `id`'s UTF-8 is exactly `key`.
    @inline(__always)
    private static func equal(_ id: Identifier, _ key: UnsafeRawBufferPointer) -> Bool {
        var text = id.text
        // Contiguous for every native string; a small one is copied to the stack, not followed.
        return text.withUTF8 { utf8 in
            utf8.count == key.count && (utf8.isEmpty || memoryEqual(utf8.baseAddress!, key.baseAddress!, key.count))
        }
    }
}

/// Whether `count` bytes at `a` and `b` are equal: eight at a time, then the rest (ids are ≤ 64 bytes).
@inline(__always)
private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    let a = UnsafeRawPointer(a)
    var offset = 0
    while offset + 8 <= count {
        guard a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
        offset += 8
    }
    while offset < count {
        guard a.load(fromByteOffset: offset, as: UInt8.self) == b.load(fromByteOffset: offset, as: UInt8.self) else { return false }
        offset += 1
    }
    return true
}
