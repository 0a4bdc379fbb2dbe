import Foundation

// The JSON of etcd's grpc-gateway (etcd 3.4, `/v3/...`), as checked against etcd 3.4.23 with curl:
// proto3 JSON, so int64 fields arrive as strings, bytes as base64, and fields at their zero value
// (a lease of 0, an empty value, `succeeded: false`) are left out rather than sent.

/// An int64 of the gateway: written as a JSON string, read from a string or a number.
struct GatewayInt64: Codable, Equatable {
    var value: Int64

    init(_ value: Int64) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        guard let number = Int64(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64: \(text)")
        }
        value = number
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }
}

/// A bytes field of the gateway: base64 on the wire, UTF-8 text for Solvent's keys and values.
struct GatewayBytes: Codable, Equatable {
    var bytes: [UInt8]

    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not base64: \(text)")
        }
        bytes = Array(data)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes).base64EncodedString())
    }

    /// The bytes as text; etcd holds bytes, and a key Solvent did not write may not be UTF-8.
    func text() throws(EtcdError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformed("a key or value is not UTF-8 (\(bytes.count) bytes)")
        }
        return text
    }
}

/// `ResponseHeader`: only the store's revision is used.
struct GatewayHeader: Decodable {
    var revision: GatewayInt64?
}

/// An answer of which only the header is used (`PutResponse`, `LeaseRevokeResponse`).
struct HeaderResponse: Decodable {
    var header: GatewayHeader?
}

/// `mvccpb.KeyValue`.
struct GatewayKeyValue: Decodable {
    var key: GatewayBytes
    var value: GatewayBytes?
    var createRevision: GatewayInt64?
    var modRevision: GatewayInt64?
    var lease: GatewayInt64?

    enum CodingKeys: String, CodingKey {
        case key, value, lease
        case createRevision = "create_revision"
        case modRevision = "mod_revision"
    }

    func keyValue() throws(EtcdError) -> EtcdKeyValue {
        EtcdKeyValue(
            key: try key.text(),
            value: try (value ?? GatewayBytes(bytes: [])).text(),
            createRevision: createRevision?.value ?? 0,
            modRevision: modRevision?.value ?? 0,
            lease: lease?.value ?? 0
        )
    }
}

/// The JSON error body of a failed call (`{"error": …, "message": …, "code": <gRPC code>}`).
struct GatewayError: Decodable {
    var message: String?
    var code: Int?

    /// gRPC NOT_FOUND with etcd's lease message, the one "not found" the calls here can get.
    var isLeaseNotFound: Bool { code == 5 && (message ?? "").contains("lease not found") }
}
