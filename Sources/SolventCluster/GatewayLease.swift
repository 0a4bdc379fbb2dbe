// The gateway's lease calls: `/v3/lease/grant`, `/v3/lease/keepalive`, `/v3/lease/revoke`
// (etcdserverpb.Lease; 3.4 also serves the older `/v3/kv/lease/revoke`).

/// `LeaseGrantRequest`; ID 0 lets etcd choose it.
struct LeaseGrantRequest: Encodable {
    var ttl: GatewayInt64

    enum CodingKeys: String, CodingKey { case ttl = "TTL" }
}

/// `LeaseGrantResponse`.
struct LeaseGrantResponse: Decodable {
    var id: GatewayInt64?
    var ttl: GatewayInt64?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
    }
}

/// `LeaseKeepAliveRequest` and `LeaseRevokeRequest`: a lease ID.
struct LeaseIDRequest: Encodable {
    var id: GatewayInt64

    enum CodingKeys: String, CodingKey { case id = "ID" }
}

/// One message of the keep-alive stream: `{"result": LeaseKeepAliveResponse}`, or
/// `{"error": …}` when the stream fails. A result without TTL (TTL 0) means the lease is gone.
struct KeepAliveMessage: Decodable {
    var result: LeaseGrantResponse?
    var error: StreamError?

    struct StreamError: Decodable {
        var message: String?
        var grpcCode: Int?

        enum CodingKeys: String, CodingKey {
            case message
            case grpcCode = "grpc_code"
        }
    }
}
