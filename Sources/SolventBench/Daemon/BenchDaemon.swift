import Foundation
import SolventCore
#if canImport(Glibc)
import Glibc
#endif

/// A real `solventd` for `bench ingest`: the executable from this build directory, spawned on a
/// temporary directory with its Prometheus endpoint on a free loopback port. The bench reads the
/// daemon's own counters (group commits, inputs appended) and CPU time from outside, as an
/// operator would.
public final class BenchDaemon {
    let directory: String
    let socketPath: String
    private let process: DaemonProcess
    private let metricsPort: Int

    /// The `solventd` next to the running `solvent` (the same `swift build` directory).
    public static func defaultExecutable() -> String {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("solventd").path
    }

    /// Starts `executable` on a new directory under the system's temporary one and waits until
    /// it answers `status` (recovery done) and its metrics port is known.
    /// `config`, if given, is written as the daemon's configuration file (`--config`).
    init(executable: String, config: String? = nil) async throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchFailure(message: "bench ingest: no solventd at \(executable); build it (swift build -c release --product solventd) or pass --daemon")
        }
        Self.warnIfOlder(executable)
        directory = NSTemporaryDirectory() + "solvent-ingest-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/solventd.sock"
        let logPath = directory + "/solventd.log"
        var arguments = ["--data", directory + "/data", "--socket", socketPath, "--metrics", "127.0.0.1:0"]
        if let config {
            let configPath = directory + "/solventd.json"
            try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
            arguments += ["--config", configPath]
        }
        process = try DaemonProcess(executable: executable, arguments: arguments, socketPath: socketPath, logPath: logPath)
        guard await process.waitUntilServing(timeout: .seconds(60)), let port = await Self.metricsPort(logPath: logPath) else {
            process.signal(SIGKILL)
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw BenchFailure(message: "bench ingest: solventd did not start; its log:\n\(log)")
        }
        metricsPort = port
    }

    /// `swift run solvent` rebuilds only `solvent`: a `solventd` older than it may be built from
    /// older sources, so say so (the figures would be that daemon's).
    private static func warnIfOlder(_ executable: String) {
        let dates = [executable, "/proc/self/exe"].map { path in
            (try? FileManager.default.attributesOfItem(atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path))?[.modificationDate] as? Date
        }
        guard let daemon = dates[0], let me = dates[1], me.timeIntervalSince(daemon) > 60 else { return }
        FileHandle.standardError.write(Data("bench ingest: warning: \(executable) is older than this solvent; rebuild it (swift build -c release) to measure the same sources\n".utf8))
    }

    /// The port the daemon logged for `--metrics 127.0.0.1:0`, waiting up to 10 s for the line:
    /// the daemon answers on its socket a moment before its metrics endpoint is up and logged.
    private static func metricsPort(logPath: String) async -> Int? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = loggedMetricsPort(logPath: logPath) { return port }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The port in the `metrics` line of the log (`… address=127.0.0.1:PORT …`), if logged yet.
    private static func loggedMetricsPort(logPath: String) -> Int? {
        guard let log = try? String(contentsOfFile: logPath, encoding: .utf8) else { return nil }
        for line in log.split(separator: "\n") where line.contains("metrics") {
            guard let range = line.range(of: "address=127.0.0.1:") else { continue }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        return nil
    }

    /// The daemon's counters now: group commits that appended something, the client inputs
    /// appended (the daemon's own `clock` inputs left out), and the seconds those commits took
    /// (staging, the write transaction and its fsync).
    func counters() throws -> (batches: Int, inputs: Int, commitSeconds: Double) {
        let text = try MetricsScrape.get(port: metricsPort)
        var batches = 0
        var inputs = 0
        var commitSeconds = 0.0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            let name = parts[0]
            if name == "solvent_commit_batch_requests_count" { batches = Int(value) }
            if name == "solvent_commit_duration_seconds_sum" { commitSeconds = value }
            if name.hasPrefix("solvent_events_appended_total{"), let kind = Self.kind(in: name), kind.isInput, kind != .clock {
                inputs += Int(value)
            }
        }
        return (batches, inputs, commitSeconds)
    }

    private static func kind(in series: Substring) -> EventKind? {
        guard let range = series.range(of: "kind=\"") else { return nil }
        return EventKind(name: String(series[range.upperBound...].prefix { $0 != "\"" }))
    }

    /// User and system CPU seconds the daemon has used so far (/proc/PID/stat fields 14 and
    /// 15). Apart, because the system share is mostly the kernel copying LMDB's pages into the
    /// page cache, and it moves with the machine's period far more than the daemon's own code.
    func cpuSeconds() -> CPUSeconds {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return CPUSeconds(user: 0, system: 0) }
        // Fields after "(comm)": state is field 3, so utime (14) and stime (15) are at 11 and 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            return CPUSeconds(user: 0, system: 0)
        }
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        return CPUSeconds(user: user / tick, system: system / tick)
    }

    /// The daemon's data directory (its log), for reading once it has stopped.
    var dataDirectory: String { directory + "/data" }

    /// SIGTERM, a graceful drain; throws if the daemon does not exit cleanly. Removes the
    /// directory unless `keepDirectory` (then the caller reads the log and calls `removeDirectory`).
    func stop(keepDirectory: Bool = false) async throws {
        defer { if !keepDirectory { removeDirectory() } }
        process.signal(SIGTERM)
        guard let status = await process.waitForExit(timeout: .seconds(60)) else {
            process.signal(SIGKILL)
            throw BenchFailure(message: "bench ingest: solventd did not stop within 60 s of SIGTERM")
        }
        guard status == 0 else { throw BenchFailure(message: "bench ingest: solventd exited with status \(status)") }
    }

    func removeDirectory() { try? FileManager.default.removeItem(atPath: directory) }

    /// For an error path: no drain, just gone. Waits a bounded time: an error must not turn
    /// into a hang (`waitUntilExit` would wait as long as anything holds Foundation's exit pipe).
    func kill() async {
        process.signal(SIGKILL)
        _ = await process.waitForExit(timeout: .seconds(10))
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `GET /metrics` over a plain loopback TCP socket (HTTP/1.0, so the server closes when done).
enum MetricsScrape {
    static func get(port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure(message: "metrics: socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchFailure(message: "metrics: cannot connect to 127.0.0.1:\(port)") }
        let request = Array("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw BenchFailure(message: "metrics: write failed") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { break }
            response.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.") && text.contains(" 200 "), let body = text.range(of: "\r\n\r\n") else {
            throw BenchFailure(message: "metrics: unexpected answer from 127.0.0.1:\(port)")
        }
        return String(text[body.upperBound...])
    }
}

/// A process's CPU time, user and system.
struct CPUSeconds {
    var user: Double
    var system: Double

    var total: Double { user + system }

    static func - (after: CPUSeconds, before: CPUSeconds) -> CPUSeconds {
        CPUSeconds(user: after.user - before.user, system: after.system - before.system)
    }
}
