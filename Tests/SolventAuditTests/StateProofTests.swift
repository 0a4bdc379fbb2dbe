import Crypto
import SolventAudit
import SolventCore
import SolventStore
import Testing

@Suite struct StateProofTests {
    static func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// RFC 6962 §2.1's recursive Merkle Tree Hash, the definition our level-by-level build with
    /// odd nodes carried up must equal.
    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return sha([]) }
        if leaves.count == 1 { return sha([0] + leaves.first!) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let split = leaves.startIndex + k
        return sha([1] + mth(leaves[..<split]) + mth(leaves[split...]))
    }

    @Test(arguments: 0...17)
    func theTreeIsRFC6962sAndEveryPathLeadsToTheRoot(count: Int) {
        let leaves = (0..<count).map { [UInt8(truncatingIfNeeded: $0), 7] }
        let tree = MerkleTree(leafHashes: leaves.map { MerkleTree.leafHash($0, hash: Self.sha) }, hash: Self.sha)
        #expect(tree.root == Self.mth(leaves[...]))
        for index in 0..<count {
            let path = tree.path(leaf: index)
            #expect(path.map(\.side) == MerkleTree.expectedSides(leaf: index, leafCount: count))
            #expect(MerkleTree.root(leafHash: MerkleTree.leafHash(leaves[index], hash: Self.sha), path: path, hash: Self.sha) == tree.root)
        }
    }

    /// The scenario with a snapshot (and a state root) every 20 records: the root lands at seq 22.
    static func withScenarioLog<T>(_ body: (AuditLog) throws -> T) throws -> T {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(ReplayTests.scenario), snapshotEvery: 20)
            return try body(try AuditLog(directory: directory))
        }
    }

    @Test func everyAccountsProofRoundTripsThroughJSONAndChecksAgainstTheLog() throws {
        try Self.withScenarioLog { log in
            for account in ["alice", "bob", "bot1", "carol", "dave", "fees", "insurance"] {
                let proof = try StateProof.make(account: AccountID(account), atOrBefore: 40, in: log)
                #expect(proof.rootSeq == 22)
                #expect(proof.leafCount == 7)
                let parsed = try StateProof(json: try JSONParser.parse(JSONWriter.string(proof.json)))
                #expect(parsed == proof)
                #expect(try parsed.check(against: log) == nil, "\(account)")
            }
            let alice = try StateProof.make(account: AccountID("alice"), atOrBefore: 22, in: log)
            #expect(alice.leaf.cash == Money(units: -4_400) + (try Money(parsing: "0.69382498")))
        }
    }

    @Test func aTamperedProofFails() throws {
        try Self.withScenarioLog { log in
            let proof = try StateProof.make(account: AccountID("alice"), atOrBefore: 40, in: log)
            var richer = proof
            richer.leaf.cash = Money(units: 1_000_000)
            #expect(try richer.check(against: log) == "the account state does not hash to the leaf")
            // Consistent leaf and leaf hash: the path no longer reaches the root.
            richer.leafHash = MerkleTree.leafHash(richer.leaf.canonicalBytes, hash: StateHash.sha256)
            #expect(try richer.check(against: log) == "the path does not lead to the root")
            // A root of the forger's own making: consistent in itself, not the log's.
            richer.root = MerkleTree.root(leafHash: richer.leafHash, path: richer.path, hash: StateHash.sha256)
            #expect(richer.problem() == nil)
            #expect(try richer.check(against: log)?.hasPrefix("the root differs from the log's state.root") == true)
            var moved = proof
            moved.leafIndex = 1
            #expect(try moved.check(against: log) == "the path's shape does not fit leaf 1 of 7")
        }
    }

    @Test func noRootBeforeTheFirstSnapshotBoundaryIsAClearError() throws {
        _ = try Self.withScenarioLog { log in
            #expect(throws: AuditError.self) { try StateProof.make(account: AccountID("alice"), atOrBefore: 21, in: log) }
        }
    }
}
