import ArgumentParser
import Foundation
import SolventDrills

struct ClusterTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-test",
        abstract: "Kill and pause the leader of a three-node cluster under load, again and again; check failover loses nothing.",
        discussion: """
            Starts etcd and three solventd nodes (--cluster-etcd, --sync-replicas K) on loopback, \
            drives the leader from several clients that record every acknowledged key, and each \
            round kills the leader with SIGKILL or pauses it with SIGSTOP past its lease at a \
            random moment. A standby must lead within the lease TTL + 2 s; a paused leader must \
            step down by itself (exit 75) once resumed. At the end every node must hold the same \
            chain head at the same seq and verify, and every acknowledged key must be in the \
            leader's log exactly once. Prints rounds=… acked=… found=… lost=… duplicated=… \
            failovers=… max_failover_ms=…; exits 1 unless all hold. tools/cluster-test builds and \
            runs this.
            """
    )

    @Option(help: "Failure rounds (at least 2: one kill, one pause).") var rounds = 20
    @Option(help: "Concurrent clients.") var clients = 4
    @Option(help: "Standbys that must hold a group before it is acknowledged.") var syncReplicas = 1
    @Option(help: "The leadership lease's TTL in seconds.") var leaseSeconds: Int64 = 3
    @Option(help: "The solventd executable (default: next to this one).") var daemon: String?
    @Option(help: "Working directory (default: a new temporary one, removed when the drill passes).") var directory: String?

    func run() async throws {
        let daemonPath = DrillPaths.daemon(daemon)
        let workDirectory = DrillPaths.workDirectory(directory, prefix: "solvent-cluster")
        let drill = ClusterDrill(daemonPath: daemonPath, directory: workDirectory, rounds: rounds, clients: clients,
                                 syncReplicas: syncReplicas, leaseSeconds: leaseSeconds)
        let report = try await drill.run { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        print(report)
        guard report.passed else {
            FileHandle.standardError.write(Data("cluster-test: FAILED; the directory is kept: \(workDirectory)\n".utf8))
            throw ExitCode.failure
        }
        if directory == nil { try? FileManager.default.removeItem(atPath: workDirectory) }
    }
}
