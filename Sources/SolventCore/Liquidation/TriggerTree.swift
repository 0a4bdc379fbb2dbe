/// One entry of a trigger tree: a trigger price (raw), then the account, so that equal prices
/// order by account index and every entry is unique.
struct TriggerKey: Comparable, Sendable {
    var price: Int64
    var account: UInt32

    static func < (lhs: TriggerKey, rhs: TriggerKey) -> Bool {
        lhs.price != rhs.price ? lhs.price < rhs.price : lhs.account < rhs.account
    }
}

/// An ordered set of `TriggerKey`s: a B+ tree whose nodes live in flat arrays.
///
/// Flat arrays rather than node objects because the ledger is a value: copying it must not alias
/// the index (arrays copy on write; class nodes would be shared), and a million entries should
/// not cost a million allocations or reference counts. Leaves keep prices and accounts in
/// separate arrays (12 bytes an entry instead of a 16-byte padded struct) and are chained left to
/// right so a range walk is a descent plus a linear scan: O(log n + k).
///
/// Separator `j` of a branch is a bound, not necessarily a present key: every key of child `j`
/// is below it and every key of child `j + 1` is at or above it. Removal may leave it stale,
/// which keeps routing correct and saves rewriting ancestors.
struct TriggerTree: Sendable {
    static let leafCapacity = 64
    static let branchCapacity = 64
    /// Underfull below these; a third (not half) so that alternating insert/remove at a boundary
    /// does not merge and split the same pair of nodes on every call. Worst-case fill stays ≥ 1/3.
    static let leafMinimum = leafCapacity / 3
    static let branchMinimum = branchCapacity / 3

    // Leaf slot `l` holds its entries at `l * leafCapacity ..< l * leafCapacity + leafCount[l]`.
    var leafPrices: [Int64] = []
    var leafAccounts: [UInt32] = []
    var leafCount: [Int32] = []
    /// The next leaf to the right, or -1 for the last.
    var leafNext: [Int32] = []
    var freeLeaves: [Int32] = []

    // Branch slot `b` holds `branchCount[b]` children and one fewer separators, both from
    // `b * branchCapacity`.
    var separatorPrices: [Int64] = []
    var separatorAccounts: [UInt32] = []
    var children: [Int32] = []
    var branchCount: [Int32] = []
    var freeBranches: [Int32] = []

    var root: Int32 = 0
    /// Levels of branches above the leaves: 0 while the root is a leaf.
    var height = 0
    /// Entries held; written only by insert and remove.
    var count = 0

    init() {
        root = allocateLeaf()
    }

    var isEmpty: Bool { count == 0 }

    func contains(_ key: TriggerKey) -> Bool {
        let leaf = leafFor(key)
        let position = lowerBound(inLeaf: leaf, key)
        return position < Int(leafCount[Int(leaf)]) && leafKey(leaf, position) == key
    }

    /// The smallest entry, O(log n).
    var first: TriggerKey? {
        guard count > 0 else { return nil }
        var node = root
        for _ in 0..<height { node = children[Int(node) * Self.branchCapacity] }
        return leafKey(node, 0)
    }

    /// The largest entry, O(log n).
    var last: TriggerKey? {
        guard count > 0 else { return nil }
        var node = root
        for _ in 0..<height {
            node = children[Int(node) * Self.branchCapacity + Int(branchCount[Int(node)]) - 1]
        }
        return leafKey(node, Int(leafCount[Int(node)]) - 1)
    }

    /// Calls `body` with each entry at or above `start` (from the smallest when `nil`), ascending,
    /// until it returns false. O(log n + entries visited).
    func walk(from start: TriggerKey?, _ body: (TriggerKey) -> Bool) {
        guard count > 0 else { return }
        var leaf = start.map(leafFor) ?? leafFor(TriggerKey(price: .min, account: 0))
        var position = start.map { lowerBound(inLeaf: leaf, $0) } ?? 0
        while leaf >= 0 {
            let base = Int(leaf) * Self.leafCapacity
            for index in position..<Int(leafCount[Int(leaf)]) {
                let key = TriggerKey(price: leafPrices[base + index], account: leafAccounts[base + index])
                if !body(key) { return }
            }
            leaf = leafNext[Int(leaf)]
            position = 0
        }
    }

    // MARK: Descent and search

    /// The leaf whose key range holds `key`.
    func leafFor(_ key: TriggerKey) -> Int32 {
        var node = root
        for _ in 0..<height { node = children[Int(node) * Self.branchCapacity + childIndex(inBranch: node, key)] }
        return node
    }

    /// The child of `branch` to descend into for `key`: how many separators are ≤ `key`.
    func childIndex(inBranch branch: Int32, _ key: TriggerKey) -> Int {
        let base = Int(branch) * Self.branchCapacity
        var low = 0
        var high = Int(branchCount[Int(branch)]) - 1
        while low < high {
            let middle = (low + high) / 2
            let separator = TriggerKey(price: separatorPrices[base + middle], account: separatorAccounts[base + middle])
            if key < separator { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The first position in `leaf` whose entry is ≥ `key` (its count when none).
    func lowerBound(inLeaf leaf: Int32, _ key: TriggerKey) -> Int {
        var low = 0
        var high = Int(leafCount[Int(leaf)])
        while low < high {
            let middle = (low + high) / 2
            if leafKey(leaf, middle) < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @inline(__always)
    func leafKey(_ leaf: Int32, _ position: Int) -> TriggerKey {
        let slot = Int(leaf) * Self.leafCapacity + position
        return TriggerKey(price: leafPrices[slot], account: leafAccounts[slot])
    }
}
