// Node storage of `TriggerTree`: slot allocation, and whole-node reads and writes used by splits,
// merges and redistribution. Those are rare (about one in leafMinimum updates), so they copy a
// node's contents out and back rather than shifting in place; only the common leaf insert and
// remove shift in place.

extension TriggerTree {
    mutating func allocateLeaf() -> Int32 {
        if let reused = freeLeaves.popLast() { return reused }
        let slot = leafCount.count
        precondition(slot < Int(Int32.max) / Self.leafCapacity, "trigger tree leaf pool full")
        leafPrices.append(contentsOf: repeatElement(0, count: Self.leafCapacity))
        leafAccounts.append(contentsOf: repeatElement(0, count: Self.leafCapacity))
        leafCount.append(0)
        leafNext.append(-1)
        return Int32(slot)
    }

    mutating func allocateBranch() -> Int32 {
        if let reused = freeBranches.popLast() { return reused }
        let slot = branchCount.count
        precondition(slot < Int(Int32.max) / Self.branchCapacity, "trigger tree branch pool full")
        separatorPrices.append(contentsOf: repeatElement(0, count: Self.branchCapacity))
        separatorAccounts.append(contentsOf: repeatElement(0, count: Self.branchCapacity))
        children.append(contentsOf: repeatElement(-1, count: Self.branchCapacity))
        branchCount.append(0)
        return Int32(slot)
    }

    mutating func freeLeaf(_ leaf: Int32) {
        leafCount[Int(leaf)] = 0
        leafNext[Int(leaf)] = -1
        freeLeaves.append(leaf)
    }

    mutating func freeBranch(_ branch: Int32) {
        branchCount[Int(branch)] = 0
        freeBranches.append(branch)
    }

    /// How many entries (leaf) or children (branch) `node` holds.
    func size(_ node: Int32, isLeaf: Bool) -> Int {
        Int(isLeaf ? leafCount[Int(node)] : branchCount[Int(node)])
    }

    // MARK: Whole-leaf copies

    func leafEntries(_ leaf: Int32) -> [TriggerKey] {
        (0..<Int(leafCount[Int(leaf)])).map { leafKey(leaf, $0) }
    }

    mutating func setLeaf(_ leaf: Int32, _ entries: ArraySlice<TriggerKey>) {
        precondition(entries.count <= Self.leafCapacity, "leaf overfull")
        let base = Int(leaf) * Self.leafCapacity
        for (offset, key) in entries.enumerated() {
            leafPrices[base + offset] = key.price
            leafAccounts[base + offset] = key.account
        }
        leafCount[Int(leaf)] = Int32(entries.count)
    }

    // MARK: Whole-branch copies

    func branchChildren(_ branch: Int32) -> [Int32] {
        let base = Int(branch) * Self.branchCapacity
        return Array(children[base..<base + Int(branchCount[Int(branch)])])
    }

    func branchSeparators(_ branch: Int32) -> [TriggerKey] {
        let base = Int(branch) * Self.branchCapacity
        return (0..<Int(branchCount[Int(branch)]) - 1).map {
            TriggerKey(price: separatorPrices[base + $0], account: separatorAccounts[base + $0])
        }
    }

    /// Writes a branch: `separators.count` must be one less than `kids.count`.
    mutating func setBranch(_ branch: Int32, children kids: ArraySlice<Int32>, separators: ArraySlice<TriggerKey>) {
        precondition(kids.count <= Self.branchCapacity && separators.count == kids.count - 1, "malformed branch")
        let base = Int(branch) * Self.branchCapacity
        for (offset, child) in kids.enumerated() { children[base + offset] = child }
        for (offset, key) in separators.enumerated() {
            separatorPrices[base + offset] = key.price
            separatorAccounts[base + offset] = key.account
        }
        branchCount[Int(branch)] = Int32(kids.count)
    }

    mutating func setSeparator(_ branch: Int32, _ index: Int, _ key: TriggerKey) {
        let slot = Int(branch) * Self.branchCapacity + index
        separatorPrices[slot] = key.price
        separatorAccounts[slot] = key.account
    }
}
