import AsyncHTTPClient
import Foundation
import NIOCore

/// One HTTP answer from the gateway, error statuses included.
struct GatewayReply {
    var status: Int
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// No answer from one endpoint within the client's request timeout.
struct GatewayTimeout: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "no answer within \(timeout)" }
}

extension EtcdClient {
    /// Every answer the calls here expect is a few kB; a larger one is not etcd's gateway.
    static let replyLimitBytes = 4 << 20

    /// POSTs `body` to `path` on each endpoint in turn until one answers (any status but 503).
    func post(_ path: String, _ body: [UInt8]) async throws -> GatewayReply {
        var failures: [String] = []
        for index in rotation.order() {
            let endpoint = endpoints[index]
            do {
                let reply = try await exchange(endpoint + path, body)
                if reply.status == 503 {
                    failures.append("\(endpoint): HTTP 503 \(reply.text)")
                    continue
                }
                rotation.prefer(index)
                return reply
            } catch let error as EtcdError {
                throw error
            } catch {
                try Task.checkCancellation()
                failures.append("\(endpoint): \(error)")
            }
        }
        throw EtcdError.unreachable(failures.joined(separator: "; "))
    }

    /// One request and its whole body within `requestTimeout`: AsyncHTTPClient's deadline stops
    /// at the response head, so the race bounds the body too.
    private func exchange(_ url: String, _ body: [UInt8]) async throws -> GatewayReply {
        let timeout = requestTimeout
        return try await withTimeout(timeout) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, deadline: .now() + TimeAmount(timeout))
            do {
                let buffer = try await response.body.collect(upTo: Self.replyLimitBytes)
                return GatewayReply(status: Int(response.status.code), body: Array(buffer.readableBytesView))
            } catch is NIOTooManyBytesError {
                throw EtcdError.malformed("an answer from \(url) is over \(Self.replyLimitBytes) bytes")
            }
        }
    }
}

/// `body`'s result, or `GatewayTimeout` once `timeout` has passed (`body` is then cancelled).
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw GatewayTimeout(timeout: timeout) }
        return value
    }
}
