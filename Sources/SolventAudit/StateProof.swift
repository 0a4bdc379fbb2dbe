import SolventCore
import SolventStore

/// An inclusion proof of one account's state under a `state.root` of the log: a third party
/// holding the log (or just that record) checks one balance without seeing any other account.
public struct StateProof: Equatable, Sendable {
    public var leaf: AccountLeaf
    public var leafHash: [UInt8]
    public var leafIndex: Int
    public var leafCount: Int
    public var path: [MerkleStep]
    public var root: [UInt8]
    /// The seq of the `state.root` record; the state is the one after record `rootSeq − 1`.
    public var rootSeq: Seq

    /// Builds the proof for `account` under the last `state.root` at or before `seq`, from the
    /// state re-derived up to it; refuses when the log's root does not re-derive.
    public static func make(account: AccountID, atOrBefore seq: Seq, in log: AuditLog,
                            progress: ((Seq) -> Void)? = nil) throws -> StateProof {
        var found: (seq: Seq, root: StateRoot)?
        try log.forEach(through: seq, progress: progress) { record in
            if case .stateRoot(let root) = record.event { found = (record.seq, root) }
            return true
        }
        guard let (rootSeq, recorded) = found else {
            throw AuditError("no state.root at or before seq \(seq): roots are recorded every snapshotEvery = \(log.log.snapshotEvery ?? EventLog.defaultSnapshotEvery) records (solvent init --snapshot-every)")
        }
        var replay = try log.rederivation(startingAtOrBefore: rootSeq - 1)
        var failure: ReplayMismatch?
        try log.log.read { reader in
            try reader.forEachBorrowed(from: replay.lastSeq + 1, through: rootSeq - 1) { stored in
                failure = replay.feed(stored.bytes)
                return failure == nil
            }
        }
        if let failure { throw AuditError("the log does not re-derive: \(failure)") }
        let leaves = replay.ledger.sortedAccountLeaves()
        guard let index = leaves.firstIndex(where: { $0.account == account }) else {
            throw AuditError("account \(account) does not appear in the log before seq \(rootSeq)")
        }
        let tree = replay.ledger.stateTree(hash: StateHash.sha256)
        guard Hex.string(tree.root) == recorded.root else {
            throw AuditError("the state.root at seq \(rootSeq) does not match the re-derived state")
        }
        return StateProof(leaf: leaves[index], leafHash: MerkleTree.leafHash(leaves[index].canonicalBytes, hash: StateHash.sha256),
                          leafIndex: index, leafCount: leaves.count, path: tree.path(leaf: index), root: tree.root, rootSeq: rootSeq)
    }

    /// Checks the proof on its own: the leaf hashes to `leafHash`, the path has the sides a leaf
    /// at `leafIndex` of `leafCount` must have, and it leads to `root`. Nil when it holds.
    public func problem() -> String? {
        guard leafIndex >= 0, leafIndex < leafCount else { return "leafIndex \(leafIndex) is outside 0..<\(leafCount)" }
        guard MerkleTree.leafHash(leaf.canonicalBytes, hash: StateHash.sha256) == leafHash else {
            return "the account state does not hash to the leaf"
        }
        guard path.map(\.side) == MerkleTree.expectedSides(leaf: leafIndex, leafCount: leafCount) else {
            return "the path's shape does not fit leaf \(leafIndex) of \(leafCount)"
        }
        guard MerkleTree.root(leafHash: leafHash, path: path, hash: StateHash.sha256) == root else {
            return "the path does not lead to the root"
        }
        return nil
    }

    /// `problem()`, then the root against the log's `state.root` record at `rootSeq`.
    public func check(against log: AuditLog) throws -> String? {
        if let problem = problem() { return problem }
        guard let record = try log.record(rootSeq), case .stateRoot(let recorded) = record.event else {
            return "seq \(rootSeq) of the log is not a state.root record"
        }
        guard recorded.root == Hex.string(root), recorded.accounts == Int64(leafCount) else {
            return "the root differs from the log's state.root at seq \(rootSeq) (\(recorded.root), \(recorded.accounts) accounts)"
        }
        return nil
    }

    public var json: JSONValue {
        .object([
            JSONMember("account", RecordJSON.json(payload: leaf)),
            JSONMember("leaf", .string(Hex.string(leafHash))),
            JSONMember("leafIndex", .number(String(leafIndex))),
            JSONMember("leafCount", .number(String(leafCount))),
            JSONMember("path", .array(path.map { .object([JSONMember("side", .string($0.side.rawValue)), JSONMember("hash", .string(Hex.string($0.hash)))]) })),
            JSONMember("root", .string(Hex.string(root))),
            JSONMember("rootSeq", .number(String(rootSeq))),
        ])
    }

    public init(leaf: AccountLeaf, leafHash: [UInt8], leafIndex: Int, leafCount: Int, path: [MerkleStep], root: [UInt8], rootSeq: Seq) {
        self.leaf = leaf
        self.leafHash = leafHash
        self.leafIndex = leafIndex
        self.leafCount = leafCount
        self.path = path
        self.root = root
        self.rootSeq = rootSeq
    }

    /// Reads a proof file written by `json`; refuses it naming the field that is wrong.
    public init(json: JSONValue) throws {
        func field(_ name: String) throws -> JSONValue {
            guard let value = json[name] else { throw AuditError("proof: missing field \(name)") }
            return value
        }
        func hash(_ value: JSONValue, _ name: String) throws -> [UInt8] {
            guard case .string(let text) = value, let bytes = Hex.bytes(text), bytes.count == 32 else {
                throw AuditError("proof: field \(name): not 64 hex digits")
            }
            return bytes
        }
        func integer(_ name: String) throws -> UInt64 {
            guard case .number(let text) = try field(name), let value = UInt64(text) else { throw AuditError("proof: field \(name): not a count") }
            return value
        }
        do { leaf = try RecordJSON.payload(try field("account"), as: AccountLeaf.self) } catch let error as InputError {
            throw AuditError("proof: field account.\(error.field ?? "?"): \(error.message)")
        }
        leafHash = try hash(try field("leaf"), "leaf")
        leafIndex = Int(try integer("leafIndex"))
        leafCount = Int(try integer("leafCount"))
        root = try hash(try field("root"), "root")
        rootSeq = Seq(try integer("rootSeq"))
        guard case .array(let steps) = try field("path") else { throw AuditError("proof: field path: not an array") }
        path = try steps.enumerated().map { index, step in
            guard case .string(let sideText)? = step["side"], let side = MerkleStep.Side(rawValue: sideText), let h = step["hash"] else {
                throw AuditError("proof: field path[\(index)]: needs side left|right and hash")
            }
            return MerkleStep(side: side, hash: try hash(h, "path[\(index)].hash"))
        }
    }
}
