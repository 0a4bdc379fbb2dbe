import ArgumentParser
import Foundation
import SolventCluster

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Look at and steer a cluster of solventd nodes led through etcd (docs/OPERATIONS.md).",
        subcommands: [ClusterStatusCommand.self, ClusterSwitchoverCommand.self]
    )
}

struct ClusterOptions: ParsableArguments {
    @Option(help: "etcd's client URLs, comma-separated.") var etcd: String
    @Option(help: "The cluster's name (solventd --cluster).") var cluster: String

    var admin: ClusterAdmin { ClusterAdmin(etcd: EtcdClient(endpoints: etcd.split(separator: ",").map(String.init)), cluster: cluster) }
}

struct ClusterStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print who leads (and its epoch) and each member's role and durable seq.")

    @OptionGroup var options: ClusterOptions

    func run() async throws {
        let (leader, members) = try await options.admin.status()
        print(leader.map { "leader: \($0.record.node) epoch=\($0.epoch) replication=\($0.record.replication) socket=\($0.record.socket)" }
              ?? "leader: none (an election is running, or no node is up)")
        for member in members {
            print("member: \(member.node) role=\(member.role.rawValue) seq=\(member.seq)" + (member.alarm.map { " ALARM: \($0)" } ?? ""))
        }
    }
}

struct ClusterSwitchoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Move leadership to the most caught-up standby: a planned hand-over.",
        discussion: """
            Marks the leader to be passed over by the next election, removes its leader key and \
            waits for the successor. The old leader stops acknowledging at once, exits 75 and, \
            restarted by its unit (Restart=always), follows the new leader. Requests it read but \
            had not acknowledged are answered not_leader: clients resend them, with the same \
            keys, to the new leader.
            """
    )

    @OptionGroup var options: ClusterOptions
    @Option(help: "Seconds the old leader is passed over by elections.") var holdSeconds: Int64 = 30

    func run() async throws {
        let moved = try await options.admin.switchover(holdSeconds: holdSeconds)
        print("switchover: \(moved.from) -> \(moved.to) in \(moved.took)")
    }
}
