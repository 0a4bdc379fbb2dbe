import Foundation

/// An etcd v3 client over etcd's JSON gateway (HTTP/1.1 POSTs to `/v3/...` on the client port),
/// so leadership needs no gRPC stack: the few calls a leader key needs, each one request.
///
/// Each call goes to the endpoint that last answered, then the others in turn; an endpoint fails
/// over on a transport error, on no answer within `requestTimeout`, or on HTTP 503 (a member
/// without a leader). A call can take up to `endpoints.count × requestTimeout` before it throws
/// `EtcdError.unreachable`. A call that timed out may still have been applied: a retried
/// `createIfAbsent` then finds the key held by the caller's own lease.
public struct EtcdClient: Sendable {
    public let endpoints: [String]
    public let requestTimeout: Duration
    let rotation: EndpointRotation

    /// `endpoints` are base URLs such as `"http://127.0.0.1:2379"`. Requests go through
    /// `HTTPClient.shared`, which lives as long as the process, so there is nothing to shut down.
    public init(endpoints: [String], requestTimeout: Duration = .seconds(2)) {
        precondition(!endpoints.isEmpty, "an etcd client needs an endpoint")
        precondition(requestTimeout > .zero, "a request timeout is positive")
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.requestTimeout = requestTimeout
        self.rotation = EndpointRotation(count: endpoints.count)
    }
}
