/// A binary Merkle tree in the shape of RFC 6962 §2.1 (Certificate Transparency): leaves hashed
/// as `H(0x00 ‖ leaf)`, inner nodes as `H(0x01 ‖ left ‖ right)` (the prefixes keep a leaf from
/// posing as a node), built level by level where an odd last node is carried up unchanged — never
/// duplicated, which would let two leaf lists share a root (Bitcoin's CVE-2012-2459). The empty
/// tree's root is `H()` of no bytes. The hash function is passed in (SHA-256 in practice).
public struct MerkleTree: Sendable {
    /// levels[0] are the leaf hashes; the last level holds the root alone.
    private let levels: [[[UInt8]]]

    public init(leafHashes: [[UInt8]], hash: ([UInt8]) -> [UInt8]) {
        guard !leafHashes.isEmpty else {
            levels = [[], [hash([])]]
            return
        }
        var levels = [leafHashes]
        while levels[levels.count - 1].count > 1 {
            let level = levels[levels.count - 1]
            var up: [[UInt8]] = []
            up.reserveCapacity((level.count + 1) / 2)
            for i in stride(from: 0, to: level.count, by: 2) {
                up.append(i + 1 < level.count ? Self.nodeHash(level[i], level[i + 1], hash: hash) : level[i])
            }
            levels.append(up)
        }
        self.levels = levels
    }

    /// The root `init(leafHashes:hash:).root` gives, without keeping the levels: each level
    /// replaces the one below it, and one input buffer serves every node.
    public static func root(leafHashes: [[UInt8]], hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        guard !leafHashes.isEmpty else { return hash([]) }
        var level = leafHashes
        var input: [UInt8] = []
        while level.count > 1 {
            var up = 0
            for i in stride(from: 0, to: level.count, by: 2) {
                if i + 1 < level.count {
                    input.removeAll(keepingCapacity: true)
                    input.append(0x01)
                    input.append(contentsOf: level[i])
                    input.append(contentsOf: level[i + 1])
                    level[up] = hash(input)
                } else {
                    level[up] = level[i]
                }
                up += 1
            }
            level.removeLast(level.count - up)
        }
        return level[0]
    }

    public var leafCount: Int { levels[0].count }
    public var root: [UInt8] { levels[levels.count - 1][0] }

    // The inputs are built in one allocation each (`[0x01] + left + right` made two): a root
    // over 100k accounts hashes 200k of them.
    public static func leafHash(_ leaf: [UInt8], hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        hash(prefixed(0x00, leaf, []))
    }
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8], hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        hash(prefixed(0x01, left, right))
    }

    private static func prefixed(_ tag: UInt8, _ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + first.count + second.count)
        bytes.append(tag)
        bytes.append(contentsOf: first)
        bytes.append(contentsOf: second)
        return bytes
    }

    /// The siblings from leaf `index` up to the root: each says on which side it joins.
    public func path(leaf index: Int) -> [MerkleStep] {
        precondition(index >= 0 && index < leafCount, "leaf \(index) out of 0..<\(leafCount)")
        var steps: [MerkleStep] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count {
                steps.append(MerkleStep(side: sibling < position ? .left : .right, hash: level[sibling]))
            }
            position /= 2
        }
        return steps
    }

    /// The sides a path for leaf `index` of a `leafCount`-leaf tree must have: a proof whose sides
    /// disagree is refused even before hashing.
    public static func expectedSides(leaf index: Int, leafCount: Int) -> [MerkleStep.Side] {
        var sides: [MerkleStep.Side] = []
        var position = index
        var width = leafCount
        while width > 1 {
            let sibling = position ^ 1
            if sibling < width { sides.append(sibling < position ? .left : .right) }
            position /= 2
            width = (width + 1) / 2
        }
        return sides
    }

    /// The root a leaf hash and its path lead to.
    public static func root(leafHash: [UInt8], path: [MerkleStep], hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        path.reduce(leafHash) { node, step in
            step.side == .left ? nodeHash(step.hash, node, hash: hash) : nodeHash(node, step.hash, hash: hash)
        }
    }
}

/// One sibling on a Merkle path.
public struct MerkleStep: Equatable, Sendable {
    public enum Side: String, Sendable { case left, right }
    public var side: Side
    public var hash: [UInt8]

    public init(side: Side, hash: [UInt8]) {
        self.side = side
        self.hash = hash
    }
}
