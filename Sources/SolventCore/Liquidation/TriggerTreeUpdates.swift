// Insert and remove for `TriggerTree`, O(log n): a descent, an in-place shift within one leaf,
// and on the way back up a split (insert) or a merge/redistribution with a sibling (remove).

extension TriggerTree {
    /// A node split in two: the new right node and the bound separating it from the left one.
    struct Split {
        var separator: TriggerKey
        var right: Int32
    }

    /// Adds `key`; false when it was already present.
    @discardableResult
    mutating func insert(_ key: TriggerKey) -> Bool {
        let (inserted, split) = insert(key, into: root, height: height)
        if let split {
            let newRoot = allocateBranch()
            setBranch(newRoot, children: [root, split.right], separators: [split.separator])
            root = newRoot
            height += 1
        }
        if inserted { count += 1 }
        return inserted
    }

    /// Removes `key`; false when it was absent.
    @discardableResult
    mutating func remove(_ key: TriggerKey) -> Bool {
        guard remove(key, from: root, height: height) else { return false }
        count -= 1
        // A branch root left with one child hands the root down, so height tracks log n.
        if height > 0 && branchCount[Int(root)] == 1 {
            let old = root
            root = children[Int(old) * Self.branchCapacity]
            freeBranch(old)
            height -= 1
        }
        return true
    }

    // MARK: Insert

    private mutating func insert(_ key: TriggerKey, into node: Int32, height: Int) -> (Bool, Split?) {
        guard height > 0 else { return insert(key, intoLeaf: node) }
        let index = childIndex(inBranch: node, key)
        let child = children[Int(node) * Self.branchCapacity + index]
        let (inserted, split) = insert(key, into: child, height: height - 1)
        guard let split else { return (inserted, nil) }
        return (inserted, adopt(split, at: index, into: node))
    }

    private mutating func insert(_ key: TriggerKey, intoLeaf leaf: Int32) -> (Bool, Split?) {
        let position = lowerBound(inLeaf: leaf, key)
        let used = Int(leafCount[Int(leaf)])
        if position < used && leafKey(leaf, position) == key { return (false, nil) }
        guard used == Self.leafCapacity else {
            let base = Int(leaf) * Self.leafCapacity
            var index = base + used
            while index > base + position {
                leafPrices[index] = leafPrices[index - 1]
                leafAccounts[index] = leafAccounts[index - 1]
                index -= 1
            }
            leafPrices[index] = key.price
            leafAccounts[index] = key.account
            leafCount[Int(leaf)] += 1
            return (true, nil)
        }
        var entries = leafEntries(leaf)
        entries.insert(key, at: position)
        let right = allocateLeaf()
        let half = entries.count / 2
        setLeaf(leaf, entries[..<half])
        setLeaf(right, entries[half...])
        leafNext[Int(right)] = leafNext[Int(leaf)]
        leafNext[Int(leaf)] = right
        return (true, Split(separator: entries[half], right: right))
    }

    /// Puts a split child's new right sibling next to it, splitting `branch` in turn when full.
    private mutating func adopt(_ split: Split, at index: Int, into branch: Int32) -> Split? {
        var kids = branchChildren(branch)
        var separators = branchSeparators(branch)
        kids.insert(split.right, at: index + 1)
        separators.insert(split.separator, at: index)
        guard kids.count > Self.branchCapacity else {
            setBranch(branch, children: kids[...], separators: separators[...])
            return nil
        }
        let half = kids.count / 2
        let right = allocateBranch()
        setBranch(branch, children: kids[..<half], separators: separators[..<(half - 1)])
        setBranch(right, children: kids[half...], separators: separators[half...])
        return Split(separator: separators[half - 1], right: right)
    }

    // MARK: Remove

    private mutating func remove(_ key: TriggerKey, from node: Int32, height: Int) -> Bool {
        guard height > 0 else { return remove(key, fromLeaf: node) }
        let index = childIndex(inBranch: node, key)
        let child = children[Int(node) * Self.branchCapacity + index]
        guard remove(key, from: child, height: height - 1) else { return false }
        let childIsLeaf = height == 1
        let minimum = childIsLeaf ? Self.leafMinimum : Self.branchMinimum
        if size(child, isLeaf: childIsLeaf) < minimum { rebalance(node, at: index, childIsLeaf: childIsLeaf) }
        return true
    }

    private mutating func remove(_ key: TriggerKey, fromLeaf leaf: Int32) -> Bool {
        let position = lowerBound(inLeaf: leaf, key)
        let used = Int(leafCount[Int(leaf)])
        guard position < used && leafKey(leaf, position) == key else { return false }
        let base = Int(leaf) * Self.leafCapacity
        for index in (base + position)..<(base + used - 1) {
            leafPrices[index] = leafPrices[index + 1]
            leafAccounts[index] = leafAccounts[index + 1]
        }
        leafCount[Int(leaf)] -= 1
        return true
    }

    /// Refills the underfull child `index` of `parent` from an adjacent sibling: merge the two
    /// when they fit in one node, else share their contents evenly.
    private mutating func rebalance(_ parent: Int32, at index: Int, childIsLeaf: Bool) {
        let leftIndex = index > 0 ? index - 1 : index
        let base = Int(parent) * Self.branchCapacity
        let left = children[base + leftIndex]
        let right = children[base + leftIndex + 1]
        let merged: Bool
        if childIsLeaf {
            merged = rebalanceLeaves(parent, leftIndex, left, right)
        } else {
            merged = rebalanceBranches(parent, leftIndex, left, right)
        }
        guard merged else { return }
        var kids = branchChildren(parent)
        var separators = branchSeparators(parent)
        kids.remove(at: leftIndex + 1)
        separators.remove(at: leftIndex)
        setBranch(parent, children: kids[...], separators: separators[...])
    }

    /// True when `right` was merged into `left` and freed.
    private mutating func rebalanceLeaves(_ parent: Int32, _ leftIndex: Int, _ left: Int32, _ right: Int32) -> Bool {
        let entries = leafEntries(left) + leafEntries(right)
        guard entries.count > Self.leafCapacity else {
            setLeaf(left, entries[...])
            leafNext[Int(left)] = leafNext[Int(right)]
            freeLeaf(right)
            return true
        }
        let half = entries.count / 2
        setLeaf(left, entries[..<half])
        setLeaf(right, entries[half...])
        setSeparator(parent, leftIndex, entries[half])
        return false
    }

    /// As `rebalanceLeaves`; the parent's separator comes down between the two halves and the
    /// middle one of the shared contents goes up in its place.
    private mutating func rebalanceBranches(_ parent: Int32, _ leftIndex: Int, _ left: Int32, _ right: Int32) -> Bool {
        let parentSeparator = branchSeparators(parent)[leftIndex]
        let kids = branchChildren(left) + branchChildren(right)
        let separators = branchSeparators(left) + [parentSeparator] + branchSeparators(right)
        guard kids.count > Self.branchCapacity else {
            setBranch(left, children: kids[...], separators: separators[...])
            freeBranch(right)
            return true
        }
        let half = kids.count / 2
        setBranch(left, children: kids[..<half], separators: separators[..<(half - 1)])
        setBranch(right, children: kids[half...], separators: separators[half...])
        setSeparator(parent, leftIndex, separators[half - 1])
        return false
    }
}
