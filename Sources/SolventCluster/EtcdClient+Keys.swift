extension EtcdClient {
    /// Returns the store revision after the put.
    @discardableResult
    public func put(_ key: String, _ value: String, lease: Int64? = nil) async throws -> Int64 {
        let request = PutRequest(key: GatewayBytes(key), value: GatewayBytes(value), lease: lease.map(GatewayInt64.init))
        let response: HeaderResponse = try await call("/v3/kv/put", request, lease: lease)
        return try revision(response.header, of: "put")
    }

    public func get(_ key: String) async throws -> EtcdKeyValue? {
        let response: RangeResponse = try await call("/v3/kv/range", RangeRequest.one(key))
        return try response.kvs?.first?.keyValue()
    }

    /// Every key starting with `prefix`, sorted by key (byte order of the UTF-8). For the few keys
    /// of a cluster's membership: an answer over 4 MiB throws `.malformed`.
    public func getPrefix(_ prefix: String) async throws -> [EtcdKeyValue] {
        let response: RangeResponse = try await call("/v3/kv/range", RangeRequest.prefix(prefix))
        return try (response.kvs ?? []).map { try $0.keyValue() }
    }

    /// The header's revision, which every answer that changed the store carries.
    func revision(_ header: GatewayHeader?, of call: String) throws -> Int64 {
        guard let revision = header?.revision?.value, revision > 0 else {
            throw EtcdError.malformed("the answer to \(call) has no revision")
        }
        return revision
    }
}
