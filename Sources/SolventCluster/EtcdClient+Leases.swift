extension EtcdClient {
    public func grantLease(ttlSeconds: Int64) async throws -> EtcdLease {
        precondition(ttlSeconds > 0, "a lease lives for a positive TTL")
        let response: LeaseGrantResponse = try await call("/v3/lease/grant", LeaseGrantRequest(ttl: GatewayInt64(ttlSeconds)))
        guard let id = response.id?.value, id != 0, let ttl = response.ttl?.value, ttl > 0 else {
            throw EtcdError.malformed("a lease grant answered without an ID and TTL")
        }
        return EtcdLease(id: id, ttlSeconds: ttl)
    }

    /// One keep-alive; returns the lease's TTL now granted (seconds). Throws .leaseNotFound when
    /// etcd says the lease is gone (TTL 0 / absent).
    ///
    /// The gateway serves the keep-alive stream as one response per request message and ends it
    /// when the request body ends, so one POST is one keep-alive: the first JSON line of its body.
    public func keepAlive(_ lease: Int64) async throws -> Int64 {
        let reply = try await post("/v3/lease/keepalive", try Self.encode(LeaseIDRequest(id: GatewayInt64(lease))))
        guard (200..<300).contains(reply.status) else { throw Self.failure(reply, lease: lease) }
        let line = reply.body.split(separator: UInt8(ascii: "\n")).first ?? []
        let message = try Self.decode(KeepAliveMessage.self, line, from: "/v3/lease/keepalive")
        if let error = message.error {
            // gRPC NOT_FOUND, as a stream error rather than a TTL of 0.
            if error.grpcCode == 5 { throw EtcdError.leaseNotFound(lease) }
            throw EtcdError.server(status: reply.status, body: reply.text)
        }
        guard let ttl = message.result?.ttl?.value, ttl > 0 else { throw EtcdError.leaseNotFound(lease) }
        return ttl
    }

    /// Revokes `lease`, deleting the keys put with it. Throws .leaseNotFound when it is already gone.
    public func revoke(_ lease: Int64) async throws {
        let _: HeaderResponse = try await call("/v3/lease/revoke", LeaseIDRequest(id: GatewayInt64(lease)), lease: lease)
    }
}
