/// `state.root` (derived, kind 50): the Merkle root over every account's canonical state, recorded
/// at each snapshot boundary (docs/FORMAT.md "State roots") so that one account's balance can be
/// proven against the log without showing the others (`solvent prove`, `solvent check-proof`).
public struct StateRoot: Payload {
    /// Number of leaves: every account the log has seen, `insurance` and `fees` included.
    public var accounts: Int64 = 0
    /// The tree's root, 64 lowercase hex digits.
    public var root = ""

    public init() {}
    public init(accounts: Int64, root: String) {
        self.accounts = accounts
        self.root = root
    }

    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("accounts", &accounts)
        try c.field("root", &root)
    }
}

/// When a `state.root` is due and how it is hashed. The hash function is injected (SHA-256 from
/// swift-crypto, in SolventStore) so that SolventCore stays free of dependencies; a hash is a
/// pure function, so the core stays deterministic.
public struct StateRootPolicy: Sendable {
    /// Roots are recorded where the log crosses a multiple of this many records (`snapshotEvery`).
    public let everyRecords: UInt64
    public let hash: @Sendable ([UInt8]) -> [UInt8]

    public init(everyRecords: UInt64, hash: @escaping @Sendable ([UInt8]) -> [UInt8]) {
        precondition(everyRecords > 0, "everyRecords must be positive")
        self.everyRecords = everyRecords
        self.hash = hash
    }

    /// Whether the records of one input, `firstSeq` (the input) through `rootSeq` (where its
    /// `state.root` would go, after its derived records), contain a multiple of `everyRecords`.
    /// Depends only on seqs, never on how appends were batched, so a replay decides the same.
    public func isDue(firstSeq: Seq, rootSeq: Seq) -> Bool {
        rootSeq.rawValue / everyRecords > (firstSeq.rawValue - 1) / everyRecords
    }
}

extension Ledger {
    /// The `state.root` that ends the records of the input at `inputSeq` (which derived
    /// `derivedCount` events), or nil when none is due. Shared by the write path
    /// (`process(_:seq:time:stateRoots:)`) and `Rederivation`, so both decide alike.
    public mutating func stateRootIfDue(_ policy: StateRootPolicy?, inputSeq: Seq, derivedCount: Int) -> Event? {
        guard let policy else { return nil }
        let rootSeq = inputSeq + 1 + UInt64(derivedCount)
        guard policy.isDue(firstSeq: inputSeq, rootSeq: rootSeq) else { return nil }
        // Kept for the next root, which then sorts only the accounts that appear meanwhile.
        sortedAccounts = sortedAccountOrder()
        let root = stateRootHash(order: sortedAccounts, hash: policy.hash)
        lastSeq = rootSeq
        return .stateRoot(StateRoot(accounts: Int64(sortedAccounts.count), root: Hex.string(root)))
    }

    /// `stateTree(hash:).root`, computed without keeping the tree: each leaf's bytes written
    /// into one reused buffer and each level kept as packed digests. Building `AccountLeaf`s and
    /// a tree of arrays cost about four allocations per account and a root over 100k accounts
    /// took ~120 ms, most of it allocating and freeing (`bench replay --snapshot-every`).
    func stateRootHash(order: [UInt32], hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        let marketOrder = marketsByID()
        var writer = ByteWriter(capacity: 128)
        let leafHashes = order.map { index in
            writer.reset()
            writeLeafInput(index: Int(index), marketOrder: marketOrder, into: &writer)
            return hash(writer.bytes)
        }
        return MerkleTree.root(leafHashes: leafHashes, hash: hash)
    }

    /// `0x00 ‖ AccountLeaf.canonicalBytes` of account `index` (the leaf hash's input), written
    /// field by field as `AccountLeaf.fields` lists them.
    private func writeLeafInput(index: Int, marketOrder: [Int], into writer: inout ByteWriter) {
        writer.writeUInt8(0x00)
        writer.writeBytes(AccountLeaf.tag)
        accounts.id(index).encode(into: &writer)
        accounts.states[index].cash.encode(into: &writer)
        var count: UInt16 = 0
        for m in marketOrder where !markets[m].cell(index).qty.isZero { count += 1 }
        writer.writeUInt16(count)
        for m in marketOrder {
            let cell = markets[m].cell(index)
            guard !cell.qty.isZero else { continue }
            markets[m].id.encode(into: &writer)
            cell.qty.encode(into: &writer)
            cell.openCost.encode(into: &writer)
        }
    }

    /// The Merkle tree over every account's `AccountLeaf`, sorted by account id (bytewise).
    public func stateTree(hash: @Sendable ([UInt8]) -> [UInt8]) -> MerkleTree {
        let leaves = sortedAccountLeaves()
        return MerkleTree(leafHashes: leaves.map { MerkleTree.leafHash($0.canonicalBytes, hash: hash) }, hash: hash)
    }

    /// Every account's leaf, in account-id order (the tree's leaf order).
    public func sortedAccountLeaves() -> [AccountLeaf] {
        let marketOrder = marketsByID()
        return sortedAccountOrder().map { accountLeaf(index: Int($0), marketOrder: marketOrder) }
    }

    /// Every account's index in id order: `sortedAccounts` (the order at the last root; accounts
    /// are only ever appended and never change id) merged with the accounts interned since,
    /// sorted. Sorting every id at each root was most of a root's cost before its hashing.
    func sortedAccountOrder() -> [UInt32] {
        let known = sortedAccounts.count
        guard known < accounts.count else { return sortedAccounts }
        // Captures the records alone: a closure over `self` copied the ledger per comparison.
        let states = accounts.states
        let precedes = { (a: UInt32, b: UInt32) in states[Int(a)].id < states[Int(b)].id }
        let fresh = (UInt32(known)..<UInt32(accounts.count)).sorted(by: precedes)
        var merged: [UInt32] = []
        merged.reserveCapacity(accounts.count)
        var old = 0
        for index in fresh {
            while old < known && precedes(sortedAccounts[old], index) {
                merged.append(sortedAccounts[old])
                old += 1
            }
            merged.append(index)
        }
        merged.append(contentsOf: sortedAccounts[old...])
        return merged
    }

    /// Market indices in id order (a leaf lists positions by market id).
    private func marketsByID() -> [Int] {
        markets.indices.sorted { markets[$0].id < markets[$1].id }
    }

    /// One account's leaf, nil if the account never appeared.
    public func accountLeaf(_ id: AccountID) -> AccountLeaf? {
        accounts.index(of: id).map { accountLeaf(index: $0, marketOrder: marketsByID()) }
    }

    private func accountLeaf(index: Int, marketOrder: [Int]) -> AccountLeaf {
        var leaf = AccountLeaf()
        leaf.account = accounts.id(index)
        leaf.cash = accounts.states[index].cash
        for m in marketOrder {
            let cell = markets[m].cell(index)
            guard !cell.qty.isZero else { continue }
            var position = LeafPosition()
            position.market = markets[m].id
            position.qty = cell.qty
            position.openCost = cell.openCost
            leaf.positions.append(position)
        }
        return leaf
    }
}

/// Lowercase hex for hashes in records and proofs.
public enum Hex {
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even-length hex string, nil if it is not one.
    public static func bytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
