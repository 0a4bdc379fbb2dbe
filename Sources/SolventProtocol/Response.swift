import SolventCore

/// What the committer answers to one request. The connection turns it into a JSON line or a
/// binary frame on its own event loop, so encoding replies never costs the writer's thread.
public enum Response: Sendable, Equatable {
    /// Committed durably at `seq`; `derived` are the records the engine appended right after it.
    case appended(key: String, seq: Seq, derived: [DerivedRef])
    // Indirect: an answer waits in its connection's reply order and is moved a few times;
    // refusals (~64 bytes) and account views (hundreds) would make every acknowledgement as big.
    indirect case refused(key: String?, InputError)
    /// A batch append: one result per event, in the batch's order (docs/PROTOCOL.md "Batches").
    case batchAppended(key: String, results: [BatchResult])
    /// `cluster`: the node's role when it runs in a cluster (nil: a lone daemon).
    case status(seq: Seq, headHash: [UInt8], timeMs: TimeMs, rules: RulesVersion, cluster: ClusterRole? = nil)
    indirect case account(AccountView)
    /// The daemon's clock tick went through the group (true) or was skipped as nothing awaited
    /// time (false). Never sent on the wire: ticks come from the daemon, not a connection.
    case ticked(Bool)
}

/// A derived record named in an append's reply.
public struct DerivedRef: Sendable, Equatable {
    public var seq: Seq
    public var kind: EventKind

    public init(seq: Seq, kind: EventKind) {
        self.seq = seq
        self.kind = kind
    }
}
