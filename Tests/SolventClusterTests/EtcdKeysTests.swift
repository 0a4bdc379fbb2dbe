import SolventCluster
import Testing

@Suite(.enabled(if: etcdInstalled || inCI, "needs etcd (tools/ensure-etcd)"))
struct EtcdKeysTests {
    @Test func putThenGetReturnsTheValueWithNonASCIIAndJSONSpecialCharacters() async throws {
        try await withLocalEtcd { _, client in
            let key = "solvent/ключ \"quoted\" \\ {}"
            let value = "€ 😀 \"x\":[1] \\n\n\t <&> \u{0}end"
            let revision = try await client.put(key, value)
            let read = try #require(try await client.get(key))
            #expect(read.key == key)
            #expect(read.value == value)
            #expect(read.createRevision == revision)
            #expect(read.modRevision == revision)
            #expect(read.lease == 0)

            let again = try await client.put(key, "")
            let rewritten = try #require(try await client.get(key))
            #expect(rewritten.value == "", "an empty value is left out of the JSON and read back as empty")
            #expect(rewritten.createRevision == revision)
            #expect(rewritten.modRevision == again)
        }
    }

    @Test func getOfAMissingKeyIsNil() async throws {
        try await withLocalEtcd { _, client in
            let missing = try await client.get("solvent/none")
            #expect(missing == nil)
        }
    }

    @Test func getPrefixReturnsOnlyThePrefixSortedByKey() async throws {
        try await withLocalEtcd { _, client in
            for key in ["app/c", "app/a", "ap", "app0", "app/b/ü", "app/b"] { try await client.put(key, "v " + key) }
            let found = try await client.getPrefix("app/")
            #expect(found.map(\.key) == ["app/a", "app/b", "app/b/ü", "app/c"])
            #expect(found.map(\.value) == ["v app/a", "v app/b", "v app/b/ü", "v app/c"])
            #expect(try await client.getPrefix("nothing/").isEmpty)
            #expect(try await client.getPrefix("").count == 6, "an empty prefix is every key")
        }
    }
}
