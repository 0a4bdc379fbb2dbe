import Foundation
import SolventCluster
import Testing

@Suite struct EtcdUnreachableTests {
    enum DeadEndpoint: CaseIterable { case silent, refused }

    /// AsyncHTTPClient retries a refused connect until the request's deadline, so both kinds
    /// take the request timeout. The bound catches a hang only: inside the whole suite, with
    /// CPU-bound tests holding the cooperative threads, a 500 ms timeout was seen to take 32 s.
    static let notAHang = Duration.seconds(120)

    @Test(arguments: DeadEndpoint.allCases)
    func aDeadEndpointGivesUnreachableWithinTheRequestTimeout(_ kind: DeadEndpoint) async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let endpoint = kind == .silent ? silent.endpoint : "http://127.0.0.1:\(try SilentListener.closedPort())"
        let (reasons, elapsed) = try await unreachable(EtcdClient(endpoints: [endpoint], requestTimeout: .milliseconds(500)))
        #expect(reasons.contains(endpoint), "\(reasons)")
        #expect(elapsed < Self.notAHang, "took \(elapsed): \(reasons)")
    }

    @Test func everyEndpointIsTriedBeforeUnreachable() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let refused = "http://127.0.0.1:\(try SilentListener.closedPort())"
        let (reasons, elapsed) = try await unreachable(EtcdClient(endpoints: [silent.endpoint, refused], requestTimeout: .milliseconds(500)))
        #expect(reasons.contains(silent.endpoint) && reasons.contains(refused), "\(reasons)")
        #expect(elapsed < Self.notAHang, "two endpoints at 500 ms each took \(elapsed)")
    }

    /// The reasons of the `.unreachable` a read from `client` throws, and how long it took.
    private func unreachable(_ client: EtcdClient) async throws -> (reasons: String, elapsed: Duration) {
        let began = ContinuousClock.now
        do {
            _ = try await client.get("solvent/x")
            Issue.record("a read from no etcd answered")
            return ("", ContinuousClock.now - began)
        } catch EtcdError.unreachable(let reasons) {
            return (reasons, ContinuousClock.now - began)
        }
    }

    @Test(.enabled(if: etcdInstalled || inCI, "needs etcd (tools/ensure-etcd)"))
    func aDeadFirstEndpointFailsOverToTheNext() async throws {
        try await withLocalEtcd { etcd, _ in
            let refused = "http://127.0.0.1:\(try SilentListener.closedPort())"
            let client = EtcdClient(endpoints: [refused, etcd.endpoint], requestTimeout: .milliseconds(500))
            try await client.put("solvent/failover", "ok")
            #expect(try await client.get("solvent/failover")?.value == "ok")
        }
    }
}

/// A TCP port that accepts connections (the kernel completes them into the backlog) and never
/// answers: the endpoint that hangs rather than refuses.
final class SilentListener: Sendable {
    let socketFD: Int32
    let endpoint: String

    init() throws {
        socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let port = try Self.bindLoopback(socketFD)
        guard listen(socketFD, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        endpoint = "http://127.0.0.1:\(port)"
    }

    func close() { _ = Glibc.close(socketFD) }

    /// A loopback port with nothing listening on it (bound, then released).
    static func closedPort() throws -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = Glibc.close(probe) }
        return try bindLoopback(probe)
    }

    private static func bindLoopback(_ socketFD: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard socketFD >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
