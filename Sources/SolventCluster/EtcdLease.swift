/// A lease granted by etcd: keys put with it are deleted when it expires or is revoked.
public struct EtcdLease: Sendable, Equatable {
    public var id: Int64
    /// The TTL etcd granted, which may be longer than asked (etcd's minimum is about 2 s).
    public var ttlSeconds: Int64

    public init(id: Int64, ttlSeconds: Int64) {
        self.id = id
        self.ttlSeconds = ttlSeconds
    }
}
