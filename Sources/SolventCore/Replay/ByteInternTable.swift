import CSolventHints

/// Identifiers interned by their raw bytes as a record stores them (u8 length + bytes,
/// docs/FORMAT.md), so replay finds a known id without building a `String` for it.
///
/// Why: a replayed trade names a market and two accounts; decoding each into a new `String`
/// (UTF-8 checks, `Identifier.decode`) and then hashing that `String` to find the account
/// (`AccountTable.indices(of:)`) was ~13% of `solvent bench replay`. Here the bytes are hashed
/// once (the seeded FNV-1a of `InternSlots`) and compared with the interned id's UTF-8.
///
/// Each slot holds the `Identifier` itself beside its index: a lookup loads one slot and, for
/// ids up to 15 bytes (kept inside the `String`), nothing else, where a slot pointing into an
/// array of ids cost a second cache miss per id (100k ids do not fit the cache).
///
/// Lookup only, like `InternTable`: the slots are never iterated for output, so no hash order
/// reaches one; an id's index is its order of first appearance.
struct ByteInternTable: Sendable {
    /// Interned ids; an id's index is its position here.
    private(set) var ids: [Identifier] = []
    /// A power of two in size and at most half full; `tag` 0 when empty.
    private var slots: [Slot] = []
    /// The hash seed, fixed when the table is made (`InternSlots.processSeed`).
    let seed: UInt64 = InternSlots.currentSeed

    /// The hash of the id whose bytes are `key`, with this table's seed.
    @inline(__always)
    func hash(bytes key: UnsafeRawBufferPointer) -> UInt64 { InternSlots.hash(bytes: key, seed: seed) }

    private struct Slot: Sendable {
        var id = Identifier.unset
        /// (top 32 bits of the id's hash) << 32 | (index + 1); 0 when empty.
        var tag: UInt64 = 0
    }

    var count: Int { ids.count }

    /// The index of the id whose bytes are `key` (hashing to `hash`) with the id, or nil.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (index: Int, id: Identifier)? {
        guard !slots.isEmpty else { return nil }
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            let top = hash & Self.topMask
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let tag = slots[slot].tag
                if tag == 0 { return nil }
                if tag & Self.topMask == top, Self.equal(slots[slot].id, key) {
                    return (Int(truncatingIfNeeded: tag & ~Self.topMask) - 1, slots[slot].id)
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The index of the id whose bytes are `key` (hashing to `hash`), or nil.
    @inline(__always)
    func index(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? { find(key, hash: hash)?.index }

    /// Interns `id`, which hashes to `hash` and is not held yet; returns its index.
    mutating func append(_ id: Identifier, hash: UInt64) -> Int {
        precondition(ids.count < Int(UInt32.max), "byte intern table full")
        ids.append(id)
        if ids.count * 2 > slots.count { rehash() } else { place(id, hash: hash, index: ids.count - 1) }
        return ids.count - 1
    }

    /// Cache hint (batch decoding): starts loading the slot a lookup of `hash` begins at.
    @inline(__always)
    func prefetch(_ hash: UInt64) {
        slots.withUnsafeBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            // Both ends: a 24-byte slot may straddle two cache lines (then the tag is in the second).
            let slot = UnsafeRawPointer(base + (Int(truncatingIfNeeded: hash) & (slots.count - 1)))
            solvent_prefetch(slot)
            solvent_prefetch(slot + (MemoryLayout<Slot>.stride - 1))
        }
    }

    private static let topMask: UInt64 = 0xFFFF_FFFF_0000_0000

    private mutating func place(_ id: Identifier, hash: UInt64, index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot].tag != 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(id: id, tag: (hash & Self.topMask) | UInt64(index + 1))
    }

    /// Rebuilds the slots at twice the size needed for the ids held, placed in index order.
    private mutating func rehash() {
        var size = 16
        while size < ids.count * 4 { size *= 2 }
        slots = Array(repeating: Slot(), count: size)
        for (index, id) in ids.enumerated() { place(id, hash: InternSlots.hash(id, seed: seed), index: index) }
    }

    /// Whether `id`'s UTF-8 is exactly `key`.
    @inline(__always)
    private static func equal(_ id: Identifier, _ key: UnsafeRawBufferPointer) -> Bool {
        // Contiguous for every native string (a small one is copied to the stack, not
        // followed), read in place: `withUTF8` on a `var` copy retained and released the
        // string per lookup. A string without contiguous UTF-8 (never in this process) is
        // compared byte by byte.
        let contiguous = id.text.utf8.withContiguousStorageIfAvailable { utf8 in
            utf8.count == key.count && (utf8.isEmpty || memoryEqual(utf8.baseAddress!, key.baseAddress!, key.count))
        }
        return contiguous ?? id.text.utf8.elementsEqual(key)
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
