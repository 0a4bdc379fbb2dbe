/// What an etcd call can fail with, split by what the caller does next: try later
/// (`unreachable`), take a new lease (`leaseNotFound`), or stop and report (`server`, `malformed`).
public enum EtcdError: Error, Sendable, CustomStringConvertible {
    /// Every endpoint failed: a transport error, a timeout, or a member that answered 503 (no leader).
    case unreachable(String)
    /// etcd says the lease is gone: expired, revoked or never granted.
    case leaseNotFound(Int64)
    /// etcd answered with an HTTP error status; `body` is its JSON error.
    case server(status: Int, body: String)
    /// The answer was not the JSON the gateway sends (or too large to read).
    case malformed(String)

    /// A stable code for logs and the wire, as the other Solvent errors have.
    public var code: String {
        switch self {
        case .unreachable: "etcd_unreachable"
        case .leaseNotFound: "etcd_lease_not_found"
        case .server: "etcd_server"
        case .malformed: "etcd_malformed"
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let reasons): "\(code): no etcd endpoint answered (\(reasons))"
        case .leaseNotFound(let lease): "\(code): lease \(lease) is gone"
        case .server(let status, let body): "\(code): HTTP \(status): \(body)"
        case .malformed(let reason): "\(code): \(reason)"
        }
    }
}
