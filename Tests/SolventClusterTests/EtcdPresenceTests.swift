import Foundation
@testable import SolventCluster
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

    /// `LocalEtcd.isRunning` counts an exited child that no one has reaped as exited: a child
    /// spawned and not waited for is a zombie until `waitpid`, and gone after.
    @Test func anUnreapedChildIsAZombieUntilWaitedFor() throws {
        var pid: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { arguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/true", nil, nil, arguments, nil)
        try #require(spawned == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while !LocalEtcd.isZombie(pid) && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(LocalEtcd.isZombie(pid))
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(!LocalEtcd.isZombie(pid))
        #expect(!LocalEtcd.isZombie(getpid()))
    }
}
