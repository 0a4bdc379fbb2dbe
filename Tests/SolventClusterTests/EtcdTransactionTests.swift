import SolventCluster
import Testing

@Suite(.enabled(if: etcdInstalled || inCI, "needs etcd (tools/ensure-etcd)"))
struct EtcdTransactionTests {
    @Test func createIfAbsentCreatesOnceAndNamesTheHolderAfter() async throws {
        try await withLocalEtcd { _, client in
            let first = try await client.grantLease(ttlSeconds: 30)
            let second = try await client.grantLease(ttlSeconds: 30)

            let won = try await client.createIfAbsent("solvent/leader", "node-a", lease: first.id)
            #expect(won.created)
            let holder = try #require(won.current)
            #expect(won.revision == holder.createRevision)
            #expect(holder.value == "node-a")
            #expect(holder.lease == first.id)

            let lost = try await client.createIfAbsent("solvent/leader", "node-b", lease: second.id)
            #expect(!lost.created)
            #expect(lost.current == holder, "the loser is told who holds the key")
            #expect(try await client.get("solvent/leader") == holder)
        }
    }

    @Test func deleteIfRemovesOnlyTheHoldersOwnKey() async throws {
        try await withLocalEtcd { _, client in
            let lease = try await client.grantLease(ttlSeconds: 30)
            let first = try await client.createIfAbsent("solvent/leader", "node-a", lease: lease.id)

            #expect(try await client.deleteIf("solvent/leader", createRevision: first.revision + 1) == false)
            #expect(try await client.get("solvent/leader")?.value == "node-a", "a wrong createRevision deletes nothing")

            #expect(try await client.deleteIf("solvent/leader", createRevision: first.revision))
            #expect(try await client.get("solvent/leader") == nil)
            #expect(try await client.deleteIf("solvent/leader", createRevision: first.revision) == false)

            let next = try await client.createIfAbsent("solvent/leader", "node-b", lease: lease.id)
            #expect(next.created)
            #expect(next.revision > first.revision)
            #expect(try await client.deleteIf("solvent/leader", createRevision: first.revision) == false,
                    "a resigning leader's old revision never deletes its successor's key")
            #expect(try await client.get("solvent/leader")?.value == "node-b")
        }
    }
}
