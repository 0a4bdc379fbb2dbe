/// What the engine is doing with an account (SPEC §9 `state`).
public enum AccountStatus: String, Sendable, CaseIterable {
    case healthy
    case marginCall = "margin_call"
    case liquidating
}

/// One account's own fields. Positions live in the markets' columns (`MarketState.cells`).
struct AccountState: Equatable, Sendable {
    var cash = Money.zero
    /// `Flags` bits; reserved for issue 5 (margin calls, liquidation).
    var flags: UInt8 = 0
    /// Number of markets where this account holds a non-zero position.
    var openPositions: UInt16 = 0

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
/// The id table is only ever used for lookup; everything that reaches an output walks `ids`
/// or `states` in index order.
struct AccountTable: Sendable {
    private var table = InternTable()
    var states: [AccountState] = []

    /// The most accounts the ledger holds (indices fit in `UInt32`).
    static let maxAccounts = Int(UInt32.max)

    var count: Int { table.count }
    var ids: [AccountID] { table.ids }

    @inline(__always)
    func index(of id: AccountID) -> Int? {
        table.index(of: id)
    }

    /// The index of `id`, interning it with zero cash if it was never seen.
    mutating func intern(_ id: AccountID) -> Int {
        let (index, inserted) = table.intern(id)
        if inserted { states.append(AccountState()) }
        return index
    }

    mutating func reserveCapacity(_ count: Int) {
        table.reserveCapacity(count)
        states.reserveCapacity(count)
    }
}
