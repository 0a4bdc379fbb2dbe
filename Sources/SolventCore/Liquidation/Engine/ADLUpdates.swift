// Keeping each market's `ADLIndex` current (ADLIndex.swift): every change of an account's
// position or cash marks the account (`touchADL`), and the marked accounts are filed again just
// before a backstop ranks (`refreshADLIndex`), so a trade costs one mark and a backstop files
// only what moved since the last. Marks move no entry: the index's coordinates do not depend on
// them.

/// Accounts whose position or cash changed since the ADL indices were last refreshed: each at
/// most once, so never more than the ledger's accounts.
struct ADLDirty: Sendable {
    private(set) var accounts: [UInt32] = []
    private var marked: [Bool] = []

    func isMarked(_ index: Int) -> Bool { index < marked.count && marked[index] }

    /// Marks account `index` of `capacity` (the ledger's room for accounts: grown with it).
    mutating func mark(_ index: Int, capacity: Int) {
        if index >= marked.count { marked.append(contentsOf: repeatElement(false, count: max(index + 1, capacity) - marked.count)) }
        guard !marked[index] else { return }
        marked[index] = true
        accounts.append(UInt32(index))
    }

    /// The marked accounts, unmarking them.
    mutating func take() -> [UInt32] {
        for index in accounts { marked[Int(index)] = false }
        defer { accounts = [] }
        return accounts
    }
}

extension Ledger {
    /// Notes that account `index`'s cash or a position changed (never the reserved accounts,
    /// which are not deleveraged).
    @inline(__always)
    mutating func touchADL(_ index: Int) {
        if index > Self.feesIndex { adlDirty.mark(index, capacity: accounts.states.capacity) }
    }

    /// Files every touched account again in every market.
    mutating func refreshADLIndex() {
        guard !adlDirty.accounts.isEmpty else { return }
        let capacity = accounts.states.capacity
        for m in markets.indices { markets[m].adl.reserve(capacity) }
        for account in adlDirty.take() {
            let index = Int(account)
            for m in markets.indices {
                let entry = adlEntry(account: index, market: m)
                if entry == nil && markets[m].adl.place(of: index).kind == 0 { continue }
                markets[m].adl.file(index, entry)
            }
        }
    }

    /// What account `index`'s entry in market `m`'s ADL index must be.
    func adlEntry(account index: Int, market m: Int) -> ADLEntry? {
        guard index > Self.feesIndex else { return nil }
        let state = accounts.states[index]
        return ADLEntry(cell: markets[m].cell(index), cash: state.cash, multiMarket: state.openPositions > 1)
    }

    /// Holders of the side opposite `position`, best ranked first. Score = PnL% × effective
    /// leverage = (uPnL / |openCost|) × (notional / equity): the most profitable, most leveraged
    /// positions are deleveraged first (BitMEX's ADL ranking). Accounts with equity ≤ 0 rank last.
    /// Accounts under liquidation are not candidates: their position is already being closed by
    /// their own auction, whose remainder would no longer match it (and a later fill would close
    /// more than they hold, flipping them).
    /// Candidates are scored at the marks and balances before the first ADL fill: lazily, as
    /// the ranking needs them, which is the same since a backstop changes only the holders it
    /// has taken (and the owner and the reserved accounts, which are not candidates).
    mutating func adlRanking(market m: Int, opposite position: Quantity, excluding account: Int) -> ADLRanking {
        guard let mark = markets[m].mark else { return ADLRanking() }
        refreshADLIndex()
        let long = !position.isPositive
        return ADLRanking(markets[m].adl, long: long, market: m, mark: mark, excluding: account, in: self)
    }

    /// Problems with the ADL indices (for `invariantViolations`): every account not touched
    /// since the last refresh is filed as its position and cash say, within its bucket's bounds.
    func adlIndexViolations() -> [String] {
        markets.indices.flatMap { m in
            markets[m].adl.violations(expected: { index in
                adlDirty.isMarked(index) ? nil : adlEntry(account: index, market: m)
            }, accounts: accounts.count, skipping: { adlDirty.isMarked($0) })
        }
    }
}
