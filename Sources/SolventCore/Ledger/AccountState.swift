/// What the engine is doing with an account (SPEC §9 `state`).
public enum AccountStatus: String, Sendable, CaseIterable {
    case healthy
    case marginCall = "margin_call"
    case liquidating
}

/// One account's own fields, with its id. Positions live in the markets' columns
/// (`MarketState.cells`).
///
/// The id is kept here rather than in a separate array of ids: a trade's lookup compares the id
/// found through the hash slots and then reads the cash, and with both in one 32-byte record
/// that is one cache miss instead of two per side (100k accounts do not fit the cache; these
/// misses were most of replay's time).
struct AccountState: Equatable, Sendable {
    let id: AccountID
    var cash = Money.zero
    /// `Flags` bits; reserved for issue 5 (margin calls, liquidation).
    var flags: UInt8 = 0
    /// Number of markets where this account holds a non-zero position.
    var openPositions: UInt16 = 0
    /// Derived, not stored in snapshots: `Ledger.armedCode` of the band this account's trigger
    /// index entry holds, or 0 when not known. Lets `rearm` skip reading the index when the band
    /// it would store is the one there (fits the record's padding: still 32 bytes).
    var armedBand: UInt16 = 0

    init(id: AccountID) {
        self.id = id
    }

    enum Flags {
        static let liquidating: UInt8 = 1 << 0
        static let marginCall: UInt8 = 1 << 1
        static let all: UInt8 = liquidating | marginCall
    }

    var isLiquidating: Bool { flags & Flags.liquidating != 0 }

    var status: AccountStatus {
        if flags & Flags.liquidating != 0 { return .liquidating }
        if flags & Flags.marginCall != 0 { return .marginCall }
        return .healthy
    }
}

/// Account ids interned to dense indices in order of first appearance (SPEC §3).
///
/// The hash slots are only ever used for lookup; everything that reaches an output walks
/// `states` in index order.
struct AccountTable: Sendable {
    /// Every account's record, by index.
    var states: [AccountState] = []
    private(set) var slots = InternSlots()

    /// The most accounts the ledger holds (indices fit in `UInt32`).
    static let maxAccounts = Int(UInt32.max)

    var count: Int { states.count }
    /// Every id in index order (allocates: for queries, not the write path; there use `id(_:)`).
    var ids: [AccountID] { states.map(\.id) }

    @inline(__always)
    func id(_ index: Int) -> AccountID { states[index].id }

    @inline(__always)
    func index(of id: AccountID) -> Int? {
        states.withUnsafeBufferPointer { states in slots.find(slots.hash(id.rawValue)) { states[$0].id == id } }
    }

    /// The indices of two ids, looked up together (see `InternSlots.find(_:_:_:_:)`).
    @inline(__always)
    func indices(of a: AccountID, _ b: AccountID) -> (Int?, Int?) {
        states.withUnsafeBufferPointer { states in
            slots.find(slots.hash(a.rawValue), { states[$0].id == a }, slots.hash(b.rawValue), { states[$0].id == b })
        }
    }

    /// The index of `id`, interning it with zero cash if it was never seen.
    mutating func intern(_ id: AccountID) -> Int {
        if let known = index(of: id) { return known }
        states.append(AccountState(id: id))
        slots.added(slots.hash(id.rawValue), count: states.count) { [states, seed = slots.seed] in InternSlots.hash(states[$0].id.rawValue, seed: seed) }
        return states.count - 1
    }

    mutating func reserveCapacity(_ count: Int) {
        states.reserveCapacity(count)
        slots.reserve(count, count: states.count) { [states, seed = slots.seed] in InternSlots.hash(states[$0].id.rawValue, seed: seed) }
    }
}
