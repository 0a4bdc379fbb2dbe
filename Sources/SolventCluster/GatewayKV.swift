// The gateway's key-value calls: `/v3/kv/put`, `/v3/kv/range`, `/v3/kv/txn` (etcdserverpb.KV).

/// `PutRequest`.
struct PutRequest: Encodable {
    var key: GatewayBytes
    var value: GatewayBytes
    var lease: GatewayInt64?
}

/// `RangeRequest`: one key, or `[key, rangeEnd)` sorted by key.
struct RangeRequest: Encodable {
    var key: GatewayBytes
    var rangeEnd: GatewayBytes?
    var sortOrder: String?
    var sortTarget: String?

    enum CodingKeys: String, CodingKey {
        case key
        case rangeEnd = "range_end"
        case sortOrder = "sort_order"
        case sortTarget = "sort_target"
    }

    static func one(_ key: String) -> RangeRequest { RangeRequest(key: GatewayBytes(key)) }

    static func prefix(_ prefix: String) -> RangeRequest {
        let (start, end) = prefixRange(Array(prefix.utf8))
        return RangeRequest(key: GatewayBytes(bytes: start), rangeEnd: GatewayBytes(bytes: end), sortOrder: "ASCEND", sortTarget: "KEY")
    }

    /// clientv3's `GetPrefixRangeEnd`: the prefix with its last byte below 0xff incremented (and
    /// the 0xff bytes after it dropped); `[0]` ("every key from the start") when there is none.
    static func prefixRange(_ prefix: [UInt8]) -> (start: [UInt8], end: [UInt8]) {
        guard let last = prefix.lastIndex(where: { $0 < 0xff }) else { return (prefix.isEmpty ? [0] : prefix, [0]) }
        var end = Array(prefix[...last])
        end[last] += 1
        return (prefix, end)
    }
}

/// `RangeResponse`.
struct RangeResponse: Decodable {
    var header: GatewayHeader?
    var kvs: [GatewayKeyValue]?
}

/// `DeleteRangeRequest` for one key.
struct DeleteRangeRequest: Encodable {
    var key: GatewayBytes
}

/// `DeleteRangeResponse`.
struct DeleteRangeResponse: Decodable {
    var deleted: GatewayInt64?
}

/// `TxnRequest`: if every compare holds, run `success`, else `failure`.
struct TxnRequest: Encodable {
    var compare: [Compare]
    var success: [RequestOp]
    var failure: [RequestOp]
}

/// `Compare` on a key's create revision (the only target used here).
struct Compare: Encodable {
    var key: GatewayBytes
    var result = "EQUAL"
    var target = "CREATE"
    var createRevision: GatewayInt64

    enum CodingKeys: String, CodingKey {
        case key, result, target
        case createRevision = "create_revision"
    }
}

/// `RequestOp`: one of its fields is set.
struct RequestOp: Encodable {
    var requestRange: RangeRequest?
    var requestPut: PutRequest?
    var requestDeleteRange: DeleteRangeRequest?

    enum CodingKeys: String, CodingKey {
        case requestRange = "request_range"
        case requestPut = "request_put"
        case requestDeleteRange = "request_delete_range"
    }
}

/// `TxnResponse`; `succeeded` is left out when false.
struct TxnResponse: Decodable {
    var header: GatewayHeader?
    var succeeded: Bool?
    var responses: [ResponseOp]?
}

/// `ResponseOp`: the answer to the `RequestOp` at the same index.
struct ResponseOp: Decodable {
    var responseRange: RangeResponse?
    var responseDeleteRange: DeleteRangeResponse?

    enum CodingKeys: String, CodingKey {
        case responseRange = "response_range"
        case responseDeleteRange = "response_delete_range"
    }
}
