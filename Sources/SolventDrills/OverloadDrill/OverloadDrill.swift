import Foundation
import SolventBench
import NIOCore
import NIOPosix
import SolventStore

/// The overload drill of issue 10 (`solvent bench overload`, and a short run in the tests): a
/// real `solventd` per phase, one well-behaved client timing its appends (one in flight), and
/// an attack beside it (after timing the same client alone) — many connections, a client that never reads its replies, subscribers
/// that never read, a flood of 2 MiB lines (over the 1 MiB limit). Each phase reports the well-behaved client's ack
/// latency, the daemon's peak resident memory (VmHWM), and what happened to the offenders.
public struct OverloadDrill: Sendable {
    public enum Phase: String, Sendable, CaseIterable {
        /// `connections` clients connected at once, each answered and then left open; then more
        /// than the daemon's limit, which must be refused `too_many_connections`.
        case connections
        /// Clients that pipeline appends and never read a reply.
        case nonReader = "non-reader"
        /// Live subscribers that never read a record.
        case silentSubscriber = "silent-subscriber"
        /// Clients sending 2 MiB lines back to back, a new connection for each.
        case lineFlood = "line-flood"
    }

    public var daemonPath: String
    /// Holds one directory per phase (data, socket, configuration, daemon.log).
    public var directory: String
    public var connections: Int
    /// Appends the well-behaved client times per phase, alone and then under the attack.
    public var requests: Int
    /// Appends sent before timing starts (first connection, first commits, page faults).
    public var warmupRequests = 50
    public var nonReaders = 2
    public var silentSubscribers = 4
    public var floodClients = 4
    public var floodLineBytes = 2 << 20
    /// The daemon's settings for the drill: small enough that every offender meets its limit
    /// within a phase.
    public var stalledWriteSeconds = 2
    public var subscriberBacklogRecords = 256
    /// Connections beyond `connections` the daemon accepts; the probe tries twice as many.
    public var spareConnections = 16

    public init(daemonPath: String, directory: String, connections: Int = 1_000, requests: Int = 2_000) {
        self.daemonPath = daemonPath
        self.directory = directory
        self.connections = connections
        self.requests = requests
    }

    public func run(_ phases: [Phase] = Phase.allCases, progress: @Sendable (String) -> Void = { _ in }) async throws -> [OverloadPhaseReport] {
        var reports: [OverloadPhaseReport] = []
        for phase in phases {
            reports.append(try await run(phase))
            progress("\(phase.rawValue): \(reports.last!.summary)")
        }
        return reports
    }

    private func run(_ phase: Phase) async throws -> OverloadPhaseReport {
        let place = directory + "/" + phase.rawValue
        try FileManager.default.createDirectory(atPath: place, withIntermediateDirectories: true)
        let socket = place + "/solventd.sock"
        let config = place + "/solventd.json"
        let settings = #"{"clockIntervalMs": 0, "maxConnections": \#(connections + spareConnections), "#
            + #""stalledWriteSeconds": \#(stalledWriteSeconds), "subscriberBacklogRecords": \#(subscriberBacklogRecords)}"#
        try Data(settings.utf8).write(to: URL(fileURLWithPath: config))
        let daemon = try DaemonProcess(
            executable: daemonPath, arguments: ["--data", place + "/data", "--socket", socket, "--config", config],
            socketPath: socket, logPath: place + "/daemon.log")
        guard await daemon.waitUntilServing() else {
            daemon.signal(SIGKILL)
            throw DrillFailure(message: "solventd did not start serving; see \(place)/daemon.log")
        }
        do {
            let group = MultiThreadedEventLoopGroup.singleton
            _ = try await goodClient(socket, group: group, name: "warm", count: warmupRequests)
            // The same client alone first, on the same daemon, just before the attack: the
            // baseline, taken under whatever else the machine is doing at the time.
            let alone = try await goodClient(socket, group: group, name: "alone", count: requests)
            let quietPeak = PeakMemory.kibibytes(pid: daemon.pid)
            let attack = OverloadAttack(phase: phase, drill: self, socketPath: socket, group: group)
            try await attack.begin()
            let latencies = try await goodClient(socket, group: group, name: "good", count: requests)
            var report = OverloadPhaseReport(phase: phase, latenciesNs: latencies, aloneNs: alone)
            try await attack.end(into: &report)
            report.quietPeakRSSKiB = quietPeak
            report.peakRSSKiB = PeakMemory.kibibytes(pid: daemon.pid)
            daemon.signal(SIGTERM)
            guard await daemon.waitForExit() == 0 else {
                throw DrillFailure(message: "solventd did not stop cleanly after \(phase.rawValue); see \(place)/daemon.log")
            }
            try expectAcknowledged(data: place + "/data", ["warm": warmupRequests, "alone": requests, "good": requests])
            return report
        } catch {
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit()
            throw error
        }
    }

    /// A reply of any kind ends a request's timing (the load client counts frames, not verdicts),
    /// so an `"ok":false` (overloaded, refused) would pass for an ack: here every append of the
    /// well-behaved client must be in the log under its key, which only an `ok` append is.
    private func expectAcknowledged(data: String, _ counts: [String: Int]) throws {
        let log = try EventLog(directory: data)
        var missing: [String] = []
        try log.read { reader in
            for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
                for index in 0..<count where try reader.requestSeq("\(name)-\(index)") == nil { missing.append("\(name)-\(index)") }
            }
        }
        guard missing.isEmpty else {
            throw DrillFailure(message: "the well-behaved client's appends \(missing.prefix(5)) (\(missing.count) in all) were answered but not acknowledged ok")
        }
    }

    /// `count` deposits, one in flight at a time; the send-to-ack time of each.
    private func goodClient(_ socket: String, group: any EventLoopGroup, name: String, count: Int) async throws -> [UInt64] {
        let result = try await LoadClient.run(socketPath: socket, group: group, preamble: [],
                                              requests: OverloadAttack.deposits(name, count: count), framing: .lines, window: 1)
        guard result.replies == count else {
            throw DrillFailure(message: "the well-behaved client got \(result.replies) of \(count) replies")
        }
        return result.latenciesNs
    }
}

/// One phase's figures and the offenders' outcomes.
public struct OverloadPhaseReport: Sendable {
    public var phase: OverloadDrill.Phase
    /// The well-behaved client's send-to-ack times under the attack, sorted.
    public var latenciesNs: [UInt64]
    /// The same client's times alone, just before the attack, sorted: the baseline.
    public var aloneNs: [UInt64]
    /// The daemon's VmHWM at the end of the phase (it runs a fresh daemon per phase).
    public var peakRSSKiB: Int?
    /// The daemon's VmHWM before the attack began.
    public var quietPeakRSSKiB: Int?
    /// Offending connections and what became of them, by outcome (e.g. "slow_subscriber": 4).
    public var outcomes: [String: Int] = [:]
    /// Bytes the clients that never read got into their sockets before the server stopped
    /// reading them.
    public var offenderBytesSent = 0

    init(phase: OverloadDrill.Phase, latenciesNs: [UInt64], aloneNs: [UInt64]) {
        self.phase = phase
        self.latenciesNs = latenciesNs.sorted()
        self.aloneNs = aloneNs.sorted()
    }

    /// The attacked latency's `percent`th percentile in µs (`alone`: the baseline's).
    public func percentileUs(_ percent: Int, alone: Bool = false) -> Double {
        let sorted = alone ? aloneNs : latenciesNs
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, sorted.count * percent / 100)]) / 1000
    }

    /// The outcomes as `name=count` in name order.
    public var outcomeText: String {
        outcomes.keys.sorted().map { "\($0)=\(outcomes[$0]!)" }.joined(separator: " ")
    }

    public var summary: String {
        "p50=\(Int(percentileUs(50)))us (alone \(Int(percentileUs(50, alone: true)))) p99=\(Int(percentileUs(99)))us (alone \(Int(percentileUs(99, alone: true)))) peakRSS=\(peakRSSKiB.map { "\($0)KiB" } ?? "?") \(outcomeText)"
    }
}

/// The daemon's peak resident set, from /proc (Linux).
enum PeakMemory {
    /// `VmHWM` of process `pid` in KiB; nil where /proc is not there.
    static func kibibytes(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}
