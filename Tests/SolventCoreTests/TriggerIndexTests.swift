import Testing
@testable import SolventCore

/// `TriggerIndex` against a brute-force scan, plus the edge cases of its contract.
@Suite struct TriggerIndexTests {
    // MARK: Against brute force

    @Test(arguments: [(1 as UInt64, 300, 20), (2, 300, 100_000), (3, 3_000, 5_000), (4, 40, 3), (5, 8_000, 1_000_000)])
    func randomOperationsReturnExactlyTheBruteForceSet(seed: UInt64, accounts: Int, priceSpread: Int64) throws {
        var random = SplitMix64(seed: seed)
        var index = TriggerIndex()
        var model = BruteForceTriggers()
        for step in 0..<12_000 {
            let account = UInt32(random.int(0...Int64(accounts - 1)))
            // The first half mostly grows the index and the second mostly shrinks it, so that
            // splits, merges and redistributions all happen at several levels.
            let updates: Int64 = step < 6_000 ? 6 : 2
            let roll = random.int(1...10)
            if roll <= updates {
                let band = model.randomBand(&random, spread: priceSpread)
                index.update(account, fallingTo: band.fallingTo, risingTo: band.risingTo)
                model.update(account, band)
            } else if roll <= 8 {
                index.remove(account)
                model.update(account, (nil, nil))
            } else {
                let mark = Price(raw: random.int(1...2 * priceSpread + 3))
                #expect(index.crossed(by: mark) == model.crossed(by: mark), "seed \(seed) step \(step)")
            }
            if step % 500 == 0 { try checkAgrees(index, model) }
        }
        try checkAgrees(index, model)
    }

    @Test func growingPastSeveralLevelsAndShrinkingBackKeepsTheTreeValid() throws {
        var random = SplitMix64(seed: 7)
        var index = TriggerIndex()
        var model = BruteForceTriggers()
        let accounts: [UInt32] = (0..<20_000).map { UInt32($0) }
        for account in accounts {
            let band = model.randomBand(&random, spread: 1_000_000)
            index.update(account, fallingTo: band.fallingTo, risingTo: band.risingTo)
            model.update(account, band)
        }
        #expect(index.falling.height >= 2)
        try checkAgrees(index, model)
        for (step, account) in shuffled(accounts, &random).enumerated() {
            index.remove(account)
            model.update(account, (nil, nil))
            if step % 997 == 0 { try checkAgrees(index, model) }
        }
        try checkAgrees(index, model)
        #expect(index.triggerCount == 0 && index.falling.height == 0 && index.rising.height == 0)
    }

    @Test func sortedInsertionsAndRemovalsInEitherDirectionKeepTheTreeValid() throws {
        for descending in [false, true] {
            var tree = TriggerTree()
            let keys = (0..<10_000).map { TriggerKey(price: Int64($0 / 3 + 1), account: UInt32($0)) }
            let order = descending ? keys.reversed() : keys
            var inserted = 0
            for key in order where tree.insert(key) { inserted += 1 }
            let duplicateInserted = tree.insert(keys[5])
            #expect(inserted == keys.count && !duplicateInserted)
            #expect(try validate(tree) == keys)
            var remaining = keys
            for (step, key) in order.enumerated() {
                let removed = tree.remove(key)
                #expect(removed)
                if descending { remaining.removeLast() } else { remaining.removeFirst() }
                if step % 1_000 == 0 { #expect(try validate(tree) == remaining) }
            }
            let absentRemoved = tree.remove(keys[5])
            #expect(!absentRemoved)
            #expect(tree.isEmpty && tree.height == 0)
        }
    }

    // MARK: Edge cases

    @Test func aMarkExactlyAtATriggerCountsAsCrossed() {
        var index = TriggerIndex()
        index.update(1, fallingTo: price(100), risingTo: nil)
        index.update(2, fallingTo: nil, risingTo: price(200))
        #expect(index.crossed(by: price(101)).isEmpty)
        #expect(index.crossed(by: price(100)) == TriggerHits(fell: [1]))
        #expect(index.crossed(by: price(199)).isEmpty)
        #expect(index.crossed(by: price(200)) == TriggerHits(rose: [2]))
        #expect(index.crossesAny(price(100)) && index.crossesAny(price(200)) && !index.crossesAny(price(150)))
    }

    @Test func equalTriggerPricesComeOutInAccountOrder() {
        var index = TriggerIndex()
        for account: UInt32 in [9, 3, 7, 1] { index.update(account, fallingTo: price(50), risingTo: price(60)) }
        index.update(5, fallingTo: price(55), risingTo: price(58))
        #expect(index.crossed(by: price(50)) == TriggerHits(fell: [1, 3, 7, 9, 5]))
        #expect(index.crossed(by: price(60)) == TriggerHits(rose: [5, 1, 3, 7, 9]))
    }

    @Test func removingAnAbsentAccountChangesNothing() {
        var index = TriggerIndex()
        index.remove(3)
        index.remove(4_000_000)
        index.update(2, fallingTo: price(10), risingTo: nil)
        index.remove(1)
        index.remove(2)
        index.remove(2)
        #expect(index.triggerCount == 0 && index.highestFalling == nil && index.lowestRising == nil)
        #expect(index.crossed(by: price(1)).isEmpty)
    }

    @Test func anAccountReaddedAfterRemovalIsFoundAtItsNewTrigger() {
        var index = TriggerIndex()
        index.update(4, fallingTo: price(90), risingTo: price(110))
        index.remove(4)
        index.update(4, fallingTo: price(80), risingTo: nil)
        #expect(index.triggers(of: 4) == (price(80), nil))
        #expect(index.crossed(by: price(85)).isEmpty)
        #expect(index.crossed(by: price(200)).isEmpty)
        #expect(index.crossed(by: price(80)) == TriggerHits(fell: [4]))
        #expect(index.triggerCount == 1)
    }

    @Test func peekFollowsTheNearestTriggerThroughUpdatesAndRemovals() {
        var index = TriggerIndex()
        index.update(1, fallingTo: price(90), risingTo: price(120))
        index.update(2, fallingTo: price(95), risingTo: price(110))
        #expect(index.highestFalling == price(95) && index.lowestRising == price(110))
        index.update(2, fallingTo: price(80), risingTo: price(130))
        #expect(index.highestFalling == price(90) && index.lowestRising == price(120))
        index.remove(1)
        #expect(index.highestFalling == price(80) && index.lowestRising == price(130))
    }

    @Test func anEmptyBandIsReportedOnBothSides() {
        var index = TriggerIndex()
        index.update(6, fallingTo: price(100), risingTo: price(100))
        #expect(index.crossed(by: price(100)) == TriggerHits(fell: [6], rose: [6]))
    }

    @Test func crossedAccountsStayIndexedUntilReArmed() {
        var index = TriggerIndex()
        index.update(1, fallingTo: price(100), risingTo: nil)
        #expect(index.crossed(by: price(90)) == TriggerHits(fell: [1]))
        #expect(index.crossed(by: price(90)) == TriggerHits(fell: [1]))
        index.update(1, fallingTo: price(70), risingTo: price(95))
        #expect(index.crossed(by: price(90)).isEmpty)
    }

    // MARK: Determinism and value semantics

    @Test func outputOrderDoesNotDependOnTheOrderOfUpdates() {
        var random = SplitMix64(seed: 11)
        let bands = (0..<2_000).map { _ in (random.int(1...50), random.int(51...100)) }
        var forward = TriggerIndex()
        var backward = TriggerIndex()
        for (account, band) in bands.enumerated() {
            forward.update(UInt32(account), fallingTo: price(band.0), risingTo: price(band.1))
        }
        for (account, band) in bands.enumerated().reversed() {
            backward.update(UInt32(account), fallingTo: price(band.0), risingTo: price(band.1))
        }
        for mark in [Int64(1), 25, 50, 51, 75, 100] {
            #expect(forward.crossed(by: price(mark)) == backward.crossed(by: price(mark)))
        }
    }

    @Test func aCopyIsIndependentOfTheOriginal() {
        var original = TriggerIndex()
        for account in 0..<500 as Range<UInt32> { original.update(account, fallingTo: price(Int64(account) + 1), risingTo: nil) }
        var copy = original
        for account in 0..<500 as Range<UInt32> { copy.remove(account) }
        #expect(original.crossed(by: price(1)).fell == Array(0..<500))
        #expect(copy.triggerCount == 0)
    }
}

// MARK: Helpers

private func price(_ units: Int64) -> Price { Price(raw: units) }

private func shuffled<T>(_ values: [T], _ random: inout SplitMix64) -> [T] {
    var result = values
    for index in stride(from: result.count - 1, to: 0, by: -1) {
        result.swapAt(index, Int(random.next() % UInt64(index + 1)))
    }
    return result
}

/// The reference: every account's band in a plain array, scanned in full for each query.
private struct BruteForceTriggers {
    var bands: [(fallingTo: Price?, risingTo: Price?)] = []

    mutating func update(_ account: UInt32, _ band: (fallingTo: Price?, risingTo: Price?)) {
        while bands.count <= Int(account) { bands.append((nil, nil)) }
        bands[Int(account)] = band
    }

    /// Prices in 1...2·spread+1 raw, a quarter of sides absent; bands may be empty or inverted.
    func randomBand(_ random: inout SplitMix64, spread: Int64) -> (fallingTo: Price?, risingTo: Price?) {
        func side() -> Price? { random.chance(25) ? nil : Price(raw: random.int(1...2 * spread + 1)) }
        let a = side()
        let b = side()
        return (a, b)
    }

    func crossed(by mark: Price) -> TriggerHits {
        var fell: [(Price, UInt32)] = []
        var rose: [(Price, UInt32)] = []
        for (account, band) in bands.enumerated() {
            if let trigger = band.fallingTo, mark <= trigger { fell.append((trigger, UInt32(account))) }
            if let trigger = band.risingTo, mark >= trigger { rose.append((trigger, UInt32(account))) }
        }
        let ordered = { (list: [(Price, UInt32)]) in list.sorted { ($0.0.raw, $0.1) < ($1.0.raw, $1.1) }.map(\.1) }
        return TriggerHits(fell: ordered(fell), rose: ordered(rose))
    }

    func keys(falling: Bool) -> [TriggerKey] {
        bands.enumerated().compactMap { account, band in
            (falling ? band.fallingTo : band.risingTo).map { TriggerKey(price: $0.raw, account: UInt32(account)) }
        }.sorted()
    }
}

/// Both trees hold exactly the model's entries, with every structural invariant intact.
private func checkAgrees(_ index: TriggerIndex, _ model: BruteForceTriggers) throws {
    let falling = model.keys(falling: true)
    let rising = model.keys(falling: false)
    #expect(try validate(index.falling) == falling)
    #expect(try validate(index.rising) == rising)
    #expect(index.highestFalling?.raw == falling.last?.price)
    #expect(index.lowestRising?.raw == rising.first?.price)
    for account in 0..<model.bands.count {
        #expect(index.triggers(of: UInt32(account)) == model.bands[account])
    }
}

/// Checks a tree's invariants — ordered keys within separator bounds, minimum fill below the
/// root, a leaf chain that visits the leaves in order — and returns its keys in order.
private func validate(_ tree: TriggerTree) throws -> [TriggerKey] {
    var leaves: [Int32] = []
    var keys: [TriggerKey] = []
    try validate(tree, tree.root, height: tree.height, above: nil, below: nil, isRoot: true, &leaves, &keys)
    var chained: [Int32] = []
    var leaf = leaves.first ?? -1
    while leaf >= 0 {
        chained.append(leaf)
        leaf = tree.leafNext[Int(leaf)]
    }
    #expect(chained == leaves)
    #expect(keys.count == tree.count)
    #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
    var walked: [TriggerKey] = []
    tree.walk(from: nil) { walked.append($0); return true }
    #expect(walked == keys)
    return keys
}

private func validate(_ tree: TriggerTree, _ node: Int32, height: Int, above: TriggerKey?, below: TriggerKey?,
                      isRoot: Bool, _ leaves: inout [Int32], _ keys: inout [TriggerKey]) throws {
    let inBounds = { (key: TriggerKey) in (above.map { $0 <= key } ?? true) && (below.map { key < $0 } ?? true) }
    if height == 0 {
        let entries = tree.leafEntries(node)
        try #require(isRoot || entries.count >= TriggerTree.leafMinimum)
        try #require(entries.allSatisfy(inBounds))
        leaves.append(node)
        keys += entries
        return
    }
    let kids = tree.branchChildren(node)
    let separators = tree.branchSeparators(node)
    try #require(kids.count >= (isRoot ? 2 : TriggerTree.branchMinimum) && kids.count <= TriggerTree.branchCapacity)
    try #require(separators.allSatisfy(inBounds))
    for (position, child) in kids.enumerated() {
        let low = position == 0 ? above : separators[position - 1]
        let high = position == kids.count - 1 ? below : separators[position]
        try validate(tree, child, height: height - 1, above: low, below: high, isRoot: false, &leaves, &keys)
    }
}
