import Foundation

/// One child of the demo (solventd or a bot), its standard output and error in a log file.
final class DemoChild: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process = Process()

    /// Starts `executable arguments…`. On Linux it goes through util-linux's `setpriv
    /// --pdeathsig TERM` when present, so the kernel stops the child even if the demo is killed
    /// with SIGKILL (prctl(2) PR_SET_PDEATHSIG; the signal follows the death of the spawning
    /// thread, which is why `DemoChildren` spawns from the main thread).
    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        let setpriv = "/usr/bin/setpriv"
        if FileManager.default.isExecutableFile(atPath: setpriv) {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "TERM", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
    }

    func start() throws { try process.run() }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`; returns the exit status.
    @discardableResult
    func stop(grace: TimeInterval) -> Int32 {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}

/// Every child the demo started, and the one way they are stopped: bots first, then the daemon
/// with SIGTERM (a graceful stop: it commits and acknowledges what it read, then exits 0). Used
/// at the end, on failure, and from the SIGINT/SIGTERM/SIGHUP handlers, so no path leaves a
/// child running.
final class DemoChildren: @unchecked Sendable {
    private let lock = NSLock()
    private var daemon: DemoChild?
    private var bots: [DemoChild] = []
    private var signalSources: [DispatchSourceSignal] = []
    private var stopped = false
    private var interrupted = false

    /// A signal handler is stopping everything and will exit 130: what fails meanwhile (the
    /// daemon's connection closing under the feed) is its doing, not an error to report.
    var wasInterrupted: Bool { lock.withLock { interrupted } }

    private let spawner = Spawner()

    /// Spawns `child` and keeps it to stop later.
    func start(_ child: DemoChild, isDaemon: Bool) async throws {
        try await spawner.start(child)
        lock.withLock {
            if isDaemon { daemon = child } else { bots.append(child) }
        }
    }

    var startedBots: [DemoChild] { lock.withLock { bots } }
    var daemonChild: DemoChild? { lock.withLock { daemon } }

    /// Stops the bots (SIGTERM, SIGKILL after 3 s).
    func stopBots() -> [(name: String, status: Int32)] {
        let children = lock.withLock { () -> [DemoChild] in
            let list = bots
            bots = []
            return list
        }
        return children.map { ($0.name, $0.stop(grace: 3)) }
    }

    /// Stops the daemon gracefully (SIGKILL only if it has not exited after `grace`).
    func stopDaemon(grace: TimeInterval = 30) -> Int32? {
        let child = lock.withLock { () -> DemoChild? in
            let current = daemon
            daemon = nil
            return current
        }
        return child?.stop(grace: grace)
    }

    /// Bots, then the daemon; once.
    func stopAll() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        _ = stopBots()
        _ = stopDaemon()
    }

    /// On SIGINT, SIGTERM or SIGHUP: `announce` (restores the terminal, says what happens), stop
    /// every child, exit 130.
    func trapSignals(announce: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                guard lock.withLock({ () -> Bool in defer { interrupted = true }; return !interrupted }) else { return }
                announce()
                stopAll()
                exit(130)
            }
            source.resume()
            signalSources.append(source)
        }
    }
}

/// A thread of its own that lives as long as the process and spawns every child. The kernel
/// sends the parent-death signal when the *thread* that forked the child exits (prctl(2)), and
/// the threads async code runs on come and go (an idle pool thread exits after a few seconds,
/// taking a daemon with it), so spawning must happen on this one.
private final class Spawner: @unchecked Sendable {
    private let lock = NSLock()
    private let pending = DispatchSemaphore(value: 0)
    private var jobs: [(child: DemoChild, done: @Sendable (Error?) -> Void)] = []

    init() {
        let thread = Thread { [self] in
            while true {
                pending.wait()
                let job = lock.withLock { jobs.removeFirst() }
                do { try job.child.start(); job.done(nil) } catch { job.done(error) }
            }
        }
        thread.name = "solvent-demo-spawner"
        thread.start()
    }

    func start(_ child: DemoChild) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            lock.withLock {
                jobs.append((child, { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                }))
            }
            pending.signal()
        }
    }
}
