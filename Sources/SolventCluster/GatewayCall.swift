import Foundation

extension EtcdClient {
    /// POSTs `request` as JSON to `path` and decodes a 2xx answer as `Response`. An error answer
    /// about the lease `lease` throws `.leaseNotFound`, any other `.server`.
    func call<Response: Decodable>(_ path: String, _ request: some Encodable, lease: Int64? = nil) async throws -> Response {
        let reply = try await post(path, try Self.encode(request))
        guard (200..<300).contains(reply.status) else { throw Self.failure(reply, lease: lease) }
        return try Self.decode(Response.self, reply.body, from: path)
    }

    static func encode(_ request: some Encodable) throws -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(request))
        } catch {
            throw EtcdError.malformed("cannot encode a request: \(error)")
        }
    }

    static func decode<Response: Decodable>(_ type: Response.Type, _ body: some Collection<UInt8>, from path: String) throws -> Response {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw EtcdError.malformed("\(path) answered \(String(decoding: body, as: UTF8.self).prefix(300)): \(error)")
        }
    }

    static func failure(_ reply: GatewayReply, lease: Int64?) -> EtcdError {
        if let lease, let error = try? JSONDecoder().decode(GatewayError.self, from: Data(reply.body)), error.isLeaseNotFound {
            return .leaseNotFound(lease)
        }
        return .server(status: reply.status, body: reply.text)
    }
}
