import Foundation
import SolventCore
import SolventBench
import SolventProtocol
import SolventStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built `solventd` as systemd runs it: a child process with `NOTIFY_SOCKET` set.
@Suite(.serialized) struct DaemonProcessTests {
    /// A log with the basic scenario, written offline, so that the daemon has something to recover.
    private func seedLog(_ data: String) throws -> Int {
        let lines = try scenario("basic")
        try EventLog.create(directory: data, createdTimeMs: 1, snapshotEvery: 7)
        let journal = try Journal(directory: data)
        try journal.append(try lines.map { line in
            let input = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
            return JournalInput(time: input.time!, event: input.event)
        })
        return Int(journal.log.lastSeq.rawValue)
    }

    @Test func readyComesAfterRecoveryAndStoppingOnSigterm() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let records = try seedLog(directory + "/data")
            let notify = try NotifySocket(path: directory + "/notify")
            let socket = directory + "/solventd.sock"
            // No clock: the log has positions, so ticks would move the seq this test compares.
            try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/solventd.json"))
            let daemon = try DaemonProcess(
                executable: daemonPath,
                arguments: ["--data", directory + "/data", "--socket", socket, "--config", directory + "/solventd.json"],
                socketPath: socket, logPath: directory + "/daemon.log",
                environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
            let first = notify.receive(until: "READY=1")
            #expect(first.last?.hasPrefix("READY=1\nSTATUS=ready; seq=\(records) ") == true, "\(first)")
            // READY=1 means the log is loaded: the socket answers with the recovered head at once.
            let status = try await exchange(socket, [#"{"op":"status"}"#])
            #expect(number(status[0]["seq"]) == UInt64(records))
            // WatchdogSec=0.4 s: a ping every 0.2 s, each after a status went through the committer.
            let pings = notify.receive(until: "WATCHDOG=1", timeoutMs: 5_000)
            #expect(pings.last == "WATCHDOG=1")

            let deposit = #"{"kind":"deposit","account":"zed","amount":"5","ref":"z"}"#
            let replies = try await exchange(socket, [appendRequest(key: "z", event: deposit)])
            let seq = try #require(number(replies[0]["seq"]))
            #expect(seq == UInt64(records) + 1)
            daemon.signal(SIGTERM)
            let last = notify.receive(until: "STOPPING=1")
            #expect(last.last?.hasPrefix("STOPPING=1\n") == true, "\(last)")
            #expect(await daemon.waitForExit() == 0)
            // The environment was closed cleanly and holds the acknowledged append.
            let log = try EventLog(directory: directory + "/data")
            // The deposit is the first record after the seeded prices went stale: it derives
            // `market.halted` for both markets (SPEC §5.9).
            guard case .array(let derived)? = replies[0]["derived"] else { throw TestSetupError("no derived list") }
            #expect(derived.count == 2)
            #expect(log.lastSeq.rawValue == seq + UInt64(derived.count))
            #expect(try log.requestSeq("z")?.rawValue == seq)
        }
    }

    @Test func sigtermAcknowledgesWhatWasReadAndEveryAckIsLogged() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let socket = directory + "/solventd.sock"
            let daemon = try DaemonProcess(
                executable: daemonPath, arguments: ["--data", directory + "/data", "--socket", socket],
                socketPath: socket, logPath: directory + "/daemon.log")
            #expect(await daemon.waitUntilServing())
            // Small enough for the socket buffers to take at once (no reader needed to finish the
            // write), and under the 1,024 requests a connection may have in flight.
            let count = 1_000
            let replies = try await LineClient.withConnection(socketPath: socket) { client in
                let lines = (0..<count).map { appendRequest(key: "k\($0)", event: #"{"kind":"deposit","account":"a","amount":"1","ref":"k\#($0)"}"#) }
                try await client.send(raw: Array((lines.joined(separator: "\n") + "\n").utf8))
                var replies: [JSONValue] = []
                // Closing with requests unread resets the connection (unix(7)): the replies
                // queued before it are still read, then the reset ends the loop.
                while let line = try? await client.receive() {
                    replies.append(try JSONParser.parse(line))
                    if replies.count == 1 { daemon.signal(SIGTERM) }  // mid-stream
                }
                return replies
            }
            #expect(await daemon.waitForExit() == 0)
            // Every request read got its answer before the close: acknowledged, or refused
            // because it was read after the shutdown began. Nothing acknowledged is missing.
            let acked = replies.filter { $0["ok"] == .bool(true) }
            #expect(!acked.isEmpty)
            #expect(replies.allSatisfy { $0["ok"] == .bool(true) || $0["error"]?["code"] == .string("shutting_down") })
            let log = try EventLog(directory: directory + "/data")
            for reply in acked {
                guard case .string(let key)? = reply["key"] else { continue }
                #expect(try log.requestSeq(key)?.rawValue == number(reply["seq"]))
            }
            #expect(log.lastSeq.rawValue == UInt64(acked.count))
        }
    }

    /// `solvent bench ingest --daemon WRAPPER` with a wrapper that runs solventd without `exec`
    /// hung for good: SIGTERM went to the wrapper (which had every signal blocked, inherited
    /// from a pool thread), the daemon never drained, and after the SIGKILL of the wrapper
    /// Foundation never saw it exit while the daemon held its exit pipe.
    @Test func aWrapperWithoutExecStillStopsTheDaemonOnSigterm() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let wrapper = directory + "/wrapper.sh"
            try Data("#!/bin/sh\n\"\(daemonPath)\" \"$@\"\n".utf8).write(to: URL(fileURLWithPath: wrapper))
            chmod(wrapper, 0o755)
            let socket = directory + "/solventd.sock"
            let daemon = try DaemonProcess(
                executable: wrapper, arguments: ["--data", directory + "/data", "--socket", socket],
                socketPath: socket, logPath: directory + "/daemon.log")
            defer { daemon.signal(SIGKILL) }  // none left behind if an expectation fails
            #expect(await daemon.waitUntilServing())
            // The pid signalled is the daemon's, a child of the wrapper.
            #expect(daemon.pid != daemon.process.processIdentifier)
            let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/exe")
            #expect(executable == URL(fileURLWithPath: daemonPath).resolvingSymlinksInPath().path)
            daemon.signal(SIGTERM)
            // The daemon drains and exits 0, and the wrapper with it.
            #expect(await daemon.waitForExit(timeout: .seconds(30)) == 0)
            let output = try String(contentsOfFile: directory + "/daemon.log", encoding: .utf8)
            #expect(output.contains("] stopped"), "\(output)")
        }
    }

    @Test func aBadConfigurationStopsTheDaemonBeforeReadyNamingTheKey() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            try Data("{\n\"clockInterval\": 5\n}".utf8).write(to: URL(fileURLWithPath: directory + "/bad.json"))
            let notify = try NotifySocket(path: directory + "/notify")
            let daemon = try DaemonProcess(
                executable: daemonPath, arguments: ["--data", directory + "/data", "--config", directory + "/bad.json"],
                socketPath: directory + "/data/solventd.sock", logPath: directory + "/daemon.log",
                environment: ["NOTIFY_SOCKET": notify.path])
            #expect(await daemon.waitForExit() != 0)
            #expect(notify.receive(timeoutMs: 100) == nil)  // never READY
            let output = try String(contentsOfFile: directory + "/daemon.log", encoding: .utf8)
            #expect(output.contains("bad.json:2: key clockInterval: unknown key"), "\(output)")
        }
    }

    @Test func socketActivationServesThePassedSocket() async throws {
        let daemonPath = try solventdPath()
        try await withTemporaryDirectory { directory in
            let activated = directory + "/activated.sock"
            let listener = try listeningUnixSocket(activated)
            defer { close(listener) }
            let notify = try NotifySocket(path: directory + "/notify")
            // As systemd does: the socket as fd 3, LISTEN_PID set to the daemon's own pid
            // (the shell's `$$`, kept by exec).
            let unused = directory + "/unused.sock"
            let pid = try spawn(["/bin/sh", "-c", #"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@""#,
                                 daemonPath, "--data", directory + "/data", "--socket", unused],
                                fd3: listener, environment: ["NOTIFY_SOCKET": notify.path], log: directory + "/daemon.log")
            defer { kill(pid, SIGKILL); waitpid(pid, nil, 0) }
            #expect(notify.receive(until: "READY=1").last?.hasPrefix("READY=1") == true)
            let replies = try await exchange(activated, [#"{"op":"status"}"#])
            #expect(replies[0]["ok"] == .bool(true))
            #expect(!FileManager.default.fileExists(atPath: unused))
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            #expect(status == 0)
        }
    }

    /// A Unix stream socket bound at `path` and listening, as a .socket unit makes it.
    private func listeningUnixSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw TestSetupError("listening socket: errno \(errno)") }
        return fd
    }

    /// posix_spawn with `fd3` duplicated onto descriptor 3 and output to `log`.
    private func spawn(_ arguments: [String], fd3: Int32, environment: [String: String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fd3, 3)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var argv = arguments.map { strdup($0) } + [nil]
        var envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, &argv, &envp)
        guard result == 0 else { throw TestSetupError("posix_spawn: \(result)") }
        return pid
    }
}
