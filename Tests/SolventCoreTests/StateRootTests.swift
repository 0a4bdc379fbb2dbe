import Testing
@testable import SolventCore

/// `state.root` is computed without building the tree (`stateRootHash`) and over an id order
/// kept from the last root (`sortedAccountOrder`); both must give exactly what the tree of
/// `sortedAccountLeaves` gives, which `prove` and `check-proof` use.
@Suite("State roots: the fast root is the tree's root")
struct StateRootTests {
    /// A deterministic 32-byte stand-in for SHA-256: the tree's shape is under test, not the hash.
    static let hash: @Sendable ([UInt8]) -> [UInt8] = { bytes in
        var out: [UInt8] = []
        for lane in 0..<4 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(lane)
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            withUnsafeBytes(of: h) { out.append(contentsOf: $0) }
        }
        return out
    }

    @Test(arguments: 0...17)
    func rootWithoutLevelsIsTheTreesRoot(leafCount: Int) {
        let leaves = (0..<leafCount).map { Self.hash([UInt8(truncatingIfNeeded: $0), 7]) }
        #expect(MerkleTree.root(leafHashes: leaves, hash: Self.hash) == MerkleTree(leafHashes: leaves, hash: Self.hash).root)
    }

    /// Accounts appear in a seeded random order between roots; after each root the kept order
    /// plus the newcomers must be the full sort by id.
    @Test func keptOrderMergedWithNewcomersIsTheFullSort() {
        var random = SplitMix64(seed: 11)
        var d = LedgerDriver()
        for round in 0..<40 {
            for _ in 0..<Int(random.int(0...9)) { d.send(deposit("acct-\(random.int(0...999))", "5")) }
            let ids = d.ledger.accountIDs
            let full = ids.indices.sorted { ids[$0] < ids[$1] }.map(UInt32.init)
            #expect(d.ledger.sortedAccountOrder() == full, "round \(round)")
            d.ledger.sortedAccounts = d.ledger.sortedAccountOrder()
        }
    }

    /// Generated histories (two markets, positions, cash moving): at every 20th event the leaf
    /// bytes written in place hash to the same root as the tree over `AccountLeaf`s.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func rootOfGeneratedHistoriesMatchesTheTree(seed: UInt64) {
        var generator = HistoryGenerator(seed: seed)
        var d = LedgerDriver()
        for event in generator.genesis() { d.send(event) }
        for step in 1...300 {
            let event = generator.next(d.ledger)
            guard (try? d.ledger.check(event)) != nil else { continue }
            d.append(event)
            guard step % 20 == 0 else { continue }
            d.ledger.sortedAccounts = d.ledger.sortedAccountOrder()
            let tree = d.ledger.stateTree(hash: Self.hash)
            #expect(d.ledger.stateRootHash(order: d.ledger.sortedAccounts, hash: Self.hash) == tree.root, "seed \(seed) step \(step)")
            #expect(tree.leafCount == d.ledger.accountCount)
        }
    }
}
