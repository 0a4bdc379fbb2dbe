import SolventCluster
import Testing

@Suite(.enabled(if: etcdInstalled || inCI, "needs etcd (tools/ensure-etcd)"))
struct EtcdLeaseTests {
    @Test func keepAliveRenewsAGrantedLease() async throws {
        try await withLocalEtcd { _, client in
            let lease = try await client.grantLease(ttlSeconds: 10)
            #expect(lease.id != 0)
            #expect(lease.ttlSeconds == 10)
            #expect(try await client.keepAlive(lease.id) == 10)
        }
    }

    @Test func revokeDeletesTheLeasesKeysAndEndsItsKeepAlives() async throws {
        try await withLocalEtcd { _, client in
            let lease = try await client.grantLease(ttlSeconds: 30)
            try await client.put("solvent/leased", "x", lease: lease.id)
            #expect(try await client.get("solvent/leased")?.lease == lease.id)

            try await client.revoke(lease.id)
            #expect(try await client.get("solvent/leased") == nil)
            #expect(try await isLeaseNotFound(lease.id) { _ = try await client.keepAlive(lease.id) })
            #expect(try await isLeaseNotFound(lease.id) { try await client.revoke(lease.id) })
            #expect(try await isLeaseNotFound(lease.id) { try await client.put("solvent/late", "x", lease: lease.id) })
            #expect(try await isLeaseNotFound(lease.id) { _ = try await client.createIfAbsent("solvent/late", "x", lease: lease.id) })
        }
    }

    @Test func aLeaseNotKeptAliveExpiresWithItsKey() async throws {
        try await withLocalEtcd { _, client in
            let lease = try await client.grantLease(ttlSeconds: 1)
            #expect((1...2).contains(lease.ttlSeconds), "etcd raises a TTL of 1 to its minimum, about 2 s")
            // Not read back: inside the loaded suite (CPU-bound tests holding the cooperative
            // threads for over a minute) the lease can expire before the read, or even the put,
            // which is then refused for the same reason this test looks for.
            do { try await client.put("solvent/expiring", "x", lease: lease.id) } catch EtcdError.leaseNotFound(let id) where id == lease.id {}
            let gone = try await eventually(within: .seconds(60)) { try await client.get("solvent/expiring") == nil }
            #expect(gone, "the key outlived its lease")
            #expect(try await isLeaseNotFound(lease.id) { _ = try await client.keepAlive(lease.id) })
        }
    }

    /// Whether `body` throws `.leaseNotFound(lease)` (any other error is rethrown, none is false).
    private func isLeaseNotFound(_ lease: Int64, _ body: () async throws -> Void) async throws -> Bool {
        do {
            try await body()
            return false
        } catch EtcdError.leaseNotFound(let id) {
            return id == lease
        }
    }
}
