import Foundation

extension LocalEtcd {
    enum Readiness { case answering, exited, silent }

    /// Polls with a read until etcd answers (it has elected itself), exits, or `timeout` passes.
    func waitUntilAnswering(timeout: Duration) async -> Readiness {
        let client = EtcdClient(endpoints: [endpoint], requestTimeout: .milliseconds(500))
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if await Self.answersARead(client) { return .answering }
            guard ContinuousClock.now < deadline else { return .silent }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .exited
    }

    /// A read answered, found or not (the key is absent: `try?` would turn that into a failure).
    private static func answersARead(_ client: EtcdClient) async -> Bool {
        do {
            _ = try await client.get("solvent/local-etcd-ready")
            return true
        } catch {
            return false
        }
    }

    /// Whether etcd has not exited. An exited etcd that Foundation has not reaped (a zombie)
    /// counts as exited: in one full test run, with many processes being spawned at once,
    /// Foundation never noticed an etcd's exit, so `Process.isRunning` stayed true and
    /// `waitUntilExit` blocked a concurrency thread for ever, and with it the run.
    public var isRunning: Bool {
        process.isRunning && !Self.isZombie(process.processIdentifier)
    }

    /// SIGTERM, then SIGKILL if etcd has not exited 5 s later; returns once it has exited, or 5 s
    /// after the SIGKILL. Blocks the calling thread for that long at most. Runs once; later calls
    /// return at once.
    public func stop() {
        guard stopping.withLock({ wasStopping in defer { wasStopping = true }; return !wasStopping }) else { return }
        guard isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        if !waitForExit(seconds: 5) {
            kill(pid, SIGKILL)
            _ = waitForExit(seconds: 5)
        }
    }

    /// Polls `isRunning` for up to `seconds`; whether etcd exited.
    private func waitForExit(seconds: Int64) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return !isRunning
    }

    /// Whether process `pid` has exited and waits to be reaped (state `Z` in /proc/PID/stat).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }

    /// The log's last lines, for an error that says why etcd did not come up.
    static func tail(of logPath: String, lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Why a `LocalEtcd` did not start.
public enum LocalEtcdError: Error, CustomStringConvertible {
    case notInstalled
    case exited(logPath: String, log: String)
    case notAnswering(logPath: String, log: String)

    public var description: String {
        switch self {
        case .notInstalled: "no etcd on the PATH (tools/ensure-etcd installs Debian's etcd-server)"
        case .exited(let logPath, let log): "etcd exited at start (\(logPath)):\n\(log)"
        case .notAnswering(let logPath, let log): "etcd did not answer within 10 s (\(logPath)):\n\(log)"
        }
    }
}
