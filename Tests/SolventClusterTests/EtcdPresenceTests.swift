import SolventCluster
import Testing

@Suite struct EtcdPresenceTests {
    /// In CI a missing etcd is a failure, not a skip (tools/test runs tools/ensure-etcd).
    @Test func etcdIsThereInCI() {
        if inCI { #expect(etcdInstalled, "etcd is missing; tools/ensure-etcd installs it") }
    }

    @Test(.enabled(if: etcdInstalled || inCI, "needs etcd (tools/ensure-etcd)"))
    func localEtcdStopsWhenAsked() async throws {
        try await withTemporaryDirectory { directory in
            let etcd = try await LocalEtcd.start(directory: directory)
            #expect(etcd.isRunning)
            #expect(etcd.endpoint.hasPrefix("http://127.0.0.1:"))
            etcd.stop()
            #expect(!etcd.isRunning)
            etcd.stop()
        }
    }
}
