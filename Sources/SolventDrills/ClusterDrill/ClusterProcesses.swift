import Foundation
import SolventBench
import SolventCore
import SolventProtocol
import Synchronization

/// The drill's nodes: one `solventd --cluster-etcd …` each, restarted when it exits as a
/// service manager would (the units say `Restart=always`: a leader that loses its lease exits
/// 75 and comes back as a standby), unless the drill holds it down.
final class ClusterProcesses: @unchecked Sendable {
    struct Node {
        var id: String
        var directory: String
        var port: Int
        var process: DaemonProcess?
        /// Not restarted while true (killed on purpose, not back yet).
        var held = false
        var restarts = 0
    }

    let daemonPath: String
    let etcd: String
    let keyFile: String
    let syncReplicas: Int
    let leaseSeconds: Int64
    let config: String
    private let lock = NSLock()
    private var nodes: [Node]

    init(daemonPath: String, directory: String, ids: [String], ports: [Int], etcd: String, keyFile: String, syncReplicas: Int,
         leaseSeconds: Int64, config: String) {
        self.daemonPath = daemonPath
        self.config = config
        self.etcd = etcd
        self.keyFile = keyFile
        self.syncReplicas = syncReplicas
        self.leaseSeconds = leaseSeconds
        nodes = zip(ids, ports).map { Node(id: $0, directory: directory + "/" + $0, port: $1) }
    }

    var ids: [String] { lock.withLock { nodes.map(\.id) } }
    func socket(_ id: String) -> String { directory(id) + "/solventd.sock" }
    func data(_ id: String) -> String { directory(id) + "/data" }
    func logPath(_ id: String) -> String { directory(id) + "/daemon.log" }
    private func directory(_ id: String) -> String { lock.withLock { nodes.first { $0.id == id }!.directory } }

    func start(_ id: String) throws {
        try FileManager.default.createDirectory(atPath: directory(id), withIntermediateDirectories: true)
        let port = lock.withLock { nodes.first { $0.id == id }!.port }
        let process = try DaemonProcess(
            executable: daemonPath,
            arguments: ["--data", data(id), "--socket", socket(id), "--config", config, "--cluster-etcd", etcd, "--cluster", "drill", "--node", id,
                        "--replication-listen", "127.0.0.1:\(port)", "--replication-key-file", keyFile,
                        "--sync-replicas", "\(syncReplicas)", "--cluster-lease-seconds", "\(leaseSeconds)"],
            socketPath: socket(id), logPath: logPath(id))
        update(id) { $0.process = process; $0.held = false }
    }

    /// Restarts every node that exited and is not held; the count restarted.
    @discardableResult
    func supervise() throws -> Int {
        let down = lock.withLock { nodes.filter { !$0.held && $0.process?.isRunning == false }.map(\.id) }
        for id in down {
            update(id) { $0.restarts += 1 }
            try start(id)
        }
        return down.count
    }

    func process(_ id: String) -> DaemonProcess? { lock.withLock { nodes.first { $0.id == id }?.process } }

    func hold(_ id: String, _ held: Bool) { update(id) { $0.held = held } }

    var restarts: Int { lock.withLock { nodes.reduce(0) { $0 + $1.restarts } } }

    private func update(_ id: String, _ change: (inout Node) -> Void) {
        lock.withLock {
            guard let index = nodes.firstIndex(where: { $0.id == id }) else { return }
            change(&nodes[index])
        }
    }

    /// Each running node's `status` (role, leader, seq, head), read from its socket.
    func statuses() async -> [String: NodeStatus] {
        var result: [String: NodeStatus] = [:]
        for id in ids where process(id)?.isRunning == true {
            if let status = await NodeStatus.read(socket(id)) { result[id] = status }
        }
        return result
    }

    /// The node answering `status` as leader, once one does (nil after `timeout`).
    func waitForLeader(excluding: String? = nil, timeout: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try supervise()
            if let leader = await statuses().first(where: { $0.value.role == "leader" && $0.key != excluding })?.key { return leader }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// SIGKILL to every node still running (a test's clean-up after a failure), none restarted.
    func killAll() {
        for id in ids {
            hold(id, true)
            process(id)?.signal(SIGKILL)
        }
    }

    func stopAll() async {
        for id in ids { hold(id, true) }
        for id in ids {
            guard let process = process(id), process.isRunning else { continue }
            process.signal(SIGTERM)
            _ = await process.waitForExit()
        }
    }
}

/// A node's `status` reply.
struct NodeStatus: Equatable {
    var role: String
    var seq: Seq
    var head: String

    /// nil when it does not answer within `timeout` (a paused node accepts, and never answers).
    static func read(_ socket: String, timeout: Duration = .milliseconds(500)) async -> NodeStatus? {
        let reply = await withTaskGroup(of: String?.self) { group in
            group.addTask { try? await LineClient.withConnection(socketPath: socket, { try await $0.exchange([#"{"op":"status"}"#]) }).first }
            group.addTask { try? await Task.sleep(for: timeout); return nil }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let reply,
              let json = try? JSONParser.parse(reply), case .string(let role)? = json["role"],
              case .number(let seqText)? = json["seq"], let seq = Seq(seqText), case .string(let head)? = json["head"]
        else { return nil }
        return NodeStatus(role: role, seq: seq, head: head)
    }
}
