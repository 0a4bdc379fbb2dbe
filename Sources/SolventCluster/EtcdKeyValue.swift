/// A key as etcd holds it: its value and the revisions that say who wrote it when (a leader key's
/// `createRevision` names one holder's term: a successor's key has a later one).
public struct EtcdKeyValue: Sendable, Equatable {
    public var key: String
    public var value: String
    /// The store revision of the put that created the key (0 only for a key that does not exist).
    public var createRevision: Int64
    /// The store revision of the last put to the key.
    public var modRevision: Int64
    /// The lease the key lives on, 0 for none.
    public var lease: Int64

    public init(key: String, value: String, createRevision: Int64, modRevision: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.lease = lease
    }
}
