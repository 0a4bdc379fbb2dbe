import Synchronization

/// Market ids interned to dense indices in order of first appearance, found again by open
/// addressing over a seeded hash of their UTF-8 bytes (FNV-1a; see `InternSlots.hash`).
///
/// Why not `Dictionary`: a replayed trade looks up one market and two accounts, and `String`
/// hashing (seeded SipHash) plus the dictionary probe was ~6% of replay time. Lookup only: the
/// slots are never iterated, so no hash order can reach an output; `ids` is in interning order.
struct InternTable: Sendable {
    /// Interned ids; an id's index is its position here.
    private(set) var ids: [MarketID] = []
    private var slots = InternSlots()

    var count: Int { ids.count }

    subscript(id: MarketID) -> Int? { index(of: id) }

    /// The index of `id`, or nil if it was never interned.
    @inline(__always)
    func index(of id: MarketID) -> Int? {
        ids.withUnsafeBufferPointer { ids in
            // A few ids (markets: one or two in practice) are found faster by comparing each
            // than by hashing: comparing two short ids is a compare of their inline bytes,
            // while the hash walks the id byte by byte (the market lookup was ~5% of replay).
            if ids.count <= Self.linearSearchLimit { return ids.firstIndex(of: id) }
            return slots.find(slots.hash(id.rawValue)) { ids[$0] == id }
        }
    }

    /// Up to this many ids, `index(of:)` compares each instead of hashing.
    static let linearSearchLimit = 8

    /// The index of `id`, interning it at the end if it was never seen.
    mutating func intern(_ id: MarketID) -> (index: Int, inserted: Bool) {
        if let known = index(of: id) { return (known, false) }
        ids.append(id)
        slots.added(slots.hash(id.rawValue), count: ids.count) { [ids, seed = slots.seed] in InternSlots.hash(ids[$0].rawValue, seed: seed) }
        return (ids.count - 1, true)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        slots.reserve(capacity, count: ids.count) { [ids, seed = slots.seed] in InternSlots.hash(ids[$0].rawValue, seed: seed) }
    }
}

/// The open-addressing slots of an intern table, apart from where its ids are kept (the
/// `InternTable`'s own array, or the account records of `AccountTable`): `find` asks the owner
/// whether the id at an index matches.
struct InternSlots: Sendable {
    /// A power of two in size and at most half full. Each is 0 when empty, else (top 32 bits of
    /// the id's hash) << 32 | (index + 1): most probes that meet another id are told apart by
    /// the hash bits without touching the id.
    private var slots: [UInt64] = []
    /// The hash seed, the process's (`processSeed`) when the table was made: a table keeps one
    /// seed for life, so setting the process's later changes only tables made after.
    let seed: UInt64 = InternSlots.currentSeed

    /// The process's seed for new tables (0 until set: the unseeded FNV-1a layout). Set once at
    /// start by the executables from the system's random numbers (`Ledger.setIdentifierHashSeed`),
    /// so that ids crafted offline cannot be made to share slots and force long probe chains.
    /// Never observable: slots are only used for lookup, nothing iterates them for output.
    static let processSeed = Atomic<UInt64>(0)

    static var currentSeed: UInt64 { processSeed.load(ordering: .relaxed) }

    /// `hash(_:seed:)` with this table's seed.
    @inline(__always)
    func hash(_ id: Identifier) -> UInt64 { Self.hash(id, seed: seed) }

    /// The index whose id hashes to `hash` and `matches`, or nil.
    @inline(__always)
    func find(_ hash: UInt64, _ matches: (Int) -> Bool) -> Int? {
        guard !slots.isEmpty else { return nil }
        return slots.withUnsafeBufferPointer { slots in
            let slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            return Self.probe(slots, hash, from: slot, entry: slots[slot], matches)
        }
    }

    /// `find` for two ids at once (a trade's buyer and seller): both first slots are loaded
    /// before either is examined, so with tables larger than the cache the two misses overlap
    /// instead of following each other; likewise the two records `matches` reads.
    @inline(__always)
    func find(_ hashA: UInt64, _ matchesA: (Int) -> Bool, _ hashB: UInt64, _ matchesB: (Int) -> Bool) -> (Int?, Int?) {
        guard !slots.isEmpty else { return (nil, nil) }
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            let slotA = Int(truncatingIfNeeded: hashA) & mask
            let slotB = Int(truncatingIfNeeded: hashB) & mask
            let entryA = slots[slotA]
            let entryB = slots[slotB]
            return (Self.probe(slots, hashA, from: slotA, entry: entryA, matchesA),
                    Self.probe(slots, hashB, from: slotB, entry: entryB, matchesB))
        }
    }

    /// Linear probing from `slot`, whose entry is already loaded.
    @inline(__always)
    private static func probe(_ slots: UnsafeBufferPointer<UInt64>, _ hash: UInt64, from slot: Int, entry first: UInt64,
                              _ matches: (Int) -> Bool) -> Int? {
        let tag = hash & tagMask
        let mask = slots.count - 1
        var slot = slot
        var entry = first
        while true {
            if entry == 0 { return nil }
            if entry & tagMask == tag {
                let index = Int(truncatingIfNeeded: entry & ~tagMask) - 1
                if matches(index) { return index }
            }
            slot = (slot + 1) & mask
            entry = slots[slot]
        }
    }

    /// Records that the id hashing to `hash` now has index `count - 1`; `hashAt` gives the hash
    /// of every earlier index, for a rehash.
    mutating func added(_ hash: UInt64, count: Int, hashAt: (Int) -> UInt64) {
        precondition(count <= Int(UInt32.max), "intern table full")
        if count * 2 > slots.count { rehash(capacity: count, count: count - 1, hashAt: hashAt) }
        place(hash, index: count - 1)
    }

    /// Makes room for `capacity` ids without rehashing; `count` are held now.
    mutating func reserve(_ capacity: Int, count: Int, hashAt: (Int) -> UInt64) {
        if capacity * 2 > slots.count { rehash(capacity: capacity, count: count, hashAt: hashAt) }
    }

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    private mutating func place(_ hash: UInt64, index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash & Self.tagMask) | UInt64(index + 1)
    }

    /// Rebuilds the slots for at least `capacity` ids, re-placing the `count` held in index order.
    private mutating func rehash(capacity: Int, count: Int, hashAt: (Int) -> UInt64) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        for index in 0..<count { place(hashAt(index), index: index) }
    }

    /// FNV-1a over the UTF-8 bytes, then a murmur3 finalizer so that ids differing only in
    /// their last byte spread over the low bits used as slot numbers. `seed` enters both the
    /// offset basis and the finalizer, so which ids share a slot depends on it; seed 0 is the
    /// seedless layout. Not a keyed PRF like SipHash: it raises the bar for crafted ids at no
    /// cost to lookups, and the layout is never observable (the slots are never iterated).
    @inline(__always)
    static func hash(_ id: Identifier, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in id.text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return finalized(hash, seed: seed)
    }

    /// `hash` of the id whose UTF-8 bytes are `bytes` (replay hints read ids from raw records).
    @inline(__always)
    static func hash(bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return finalized(hash, seed: seed)
    }

    @inline(__always)
    private static func finalized(_ fnv: UInt64, seed: UInt64) -> UInt64 {
        var hash = fnv ^ (seed >> 32 | seed << 32)
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        return hash ^ (hash >> 33)
    }
}

extension Ledger {
    /// Seeds the id hash of every ledger (and replay decoder) made from now on in this process.
    /// The core takes no randomness: the executables call this once at start with a seed from
    /// the system. No output depends on it (interning order, not hash order, is what is kept).
    public static func setIdentifierHashSeed(_ seed: UInt64) {
        InternSlots.processSeed.store(seed, ordering: .relaxed)
    }
}
