import CLMDB
import Foundation
import SolventCore
import SolventStore

/// `solvent bench replay`: re-derives a log in which liquidations happen (`LiquidatingHistory`:
/// 100k accounts, 10M records, ≈ 3 % of the accounts liquidated, auctions, backstops, ADL) with
/// a `state.root` at the default interval, comparing every derived record and every root
/// (SPEC §10: ≥ 3M events/s).
///
/// The log is written by another process (this executable, `bench replay --build-only`), so
/// this one starts with nothing of it in its heap. Then its pages are dropped from the page
/// cache (`PageCache.drop`) and it is replayed cold; then replayed again warm. The heap per
/// account is measured on the state the warm replay derived. Afterwards, untimed, the log is
/// scanned for what it holds; fewer than 1 % of the accounts liquidated, no auction or no ADL
/// fails the bench (the workload would not be what the figure claims).
public struct ReplayBench {
    let scale: Double
    /// Where to keep the built log for later runs (nil: a temporary directory).
    var logDirectory: String? = nil
    /// The log's `state.root` interval (nil: the default, 100,000 records).
    var snapshotEvery: UInt64? = nil
    var json = false

    var accounts: Int { max(Int(100_000 * scale), 100) }
    var events: Int { max(Int(10_000_000 * scale), accounts * 4) }
    var interval: UInt64 { snapshotEvery ?? EventLog.defaultSnapshotEvery }

    public init(scale: Double, logDirectory: String? = nil, snapshotEvery: UInt64? = nil, json: Bool = false) {
        self.scale = scale
        self.logDirectory = logDirectory
        self.snapshotEvery = snapshotEvery
        self.json = json
    }

    public func run(_ report: inout BenchReport) throws {
        if let logDirectory {
            try replay(logDirectory, &report)
        } else {
            try withTemporaryDirectory { try replay($0 + "/log", &report) }
        }
    }

    /// `bench replay --build-only --log DIR`: the log alone, in the process the bench spawns.
    public func buildOnly(_ report: inout BenchReport) throws {
        guard let logDirectory else { throw BenchFailure(message: "bench replay --build-only needs --log DIR") }
        let built = try build(logDirectory)
        report.add(BenchFigure(bench: "replay.build", value: built.rate, unit: "events/s",
                               note: "\(built.records) records through the write path (Journal), 10000 inputs per transaction, "
                                   + "state.root every \(interval); written by a separate process"))
    }

    private func replay(_ directory: String, _ report: inout BenchReport) throws {
        if !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            try spawnBuild(directory)
        }
        let dropped = PageCache.drop(directory + "/data.mdb")
        let cold = try rederive(directory)
        report.add(figure(cold, name: "replay.cold",
                          cache: "cold: log written by another process, then \(dropped.method), data.mdb \(PageCache.percent(cold.residentBefore)) resident at the start"))
        let warm = try rederive(directory)
        report.add(figure(warm, name: "replay",
                          cache: "warm: data.mdb \(PageCache.percent(warm.residentBefore)) resident at the start (just replayed)"))
        report.add(BenchFigure(bench: "memory.per_account", value: warm.heapPerAccount, unit: "bytes",
                               note: "heap held by the state the warm replay derived (Rederivation incl. its ledger; mallinfo2 before and after), "
                                   + "per account: \(warm.accounts) accounts, most with one position; target 300"))
        let held = try contents(directory)
        let share = Double(held.liquidatedAccounts) / Double(max(warm.accounts, 1))
        report.add(BenchFigure(bench: "replay.liquidated_share", value: share * 100, unit: "%",
                               note: "\(held.liquidatedAccounts) of \(warm.accounts) accounts liquidated; the log holds \(held.describe)"))
        guard share >= 0.01, held.counts[.auctionStarted, default: 0] > 0, held.counts[.adl, default: 0] > 0 else {
            throw BenchFailure(message: "bench replay: the workload liquidated \(held.liquidatedAccounts) of \(warm.accounts) accounts (need ≥ 1 %) with \(held.describe); the figure would not measure liquidations")
        }
    }

    private struct Run {
        var records: UInt64
        var seconds: Double
        var threadSeconds: Double
        var processSeconds: Double
        var heapPerAccount: Double
        var accounts: Int
        var residentBefore: Double
    }

    private func figure(_ run: Run, name: String, cache: String) -> BenchFigure {
        // Decoding runs on a second thread (`LogReader.replay`), so the figure the target means
        // is the wall-clock one. On a shared machine it moves ±50% with other load; the CPU-time
        // rates say what an idle machine would reach: per CPU second of the applying thread
        // (the bound with a free second core) and of the whole process (both threads).
        let cpuRate = Int(Double(run.records) / run.threadSeconds)
        let processRate = Int(Double(run.records) / run.processSeconds)
        return BenchFigure(bench: name, value: Double(run.records) / run.seconds, unit: "events/s",
                           note: "\(run.records) records, \(run.accounts) accounts, liquidations re-derived and every derived record compared; "
                               + "a state.root every \(interval) records recomputed (SHA-256, on the applying thread) and compared; "
                               + "decoded on a second thread; \(cache); "
                               + "\(cpuRate)/s per CPU second of the applying thread, \(processRate)/s per CPU second of the process; target 3000000")
    }

    /// One replay from genesis, timed, of the log in `directory` opened read-only.
    private func rederive(_ directory: String) throws -> Run {
        let residentBefore = PageCache.residentFraction(directory + "/data.mdb")
        let log = try EventLog(directory: directory, readOnly: true)  // a kept log is input, never changed
        let heapBefore = MemoryProbe.heapBytesInUse()
        var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
        var mismatch: ReplayMismatch?
        let cpuStart = threadCPUSeconds()
        let processStart = processCPUSeconds()
        let seconds = try measureSeconds {
            try log.read { reader in mismatch = try reader.replay(&replay, from: 1) }
            if mismatch == nil { mismatch = replay.finish() }
        }
        let cpuSeconds = threadCPUSeconds() - cpuStart
        let processSeconds = processCPUSeconds() - processStart
        if let mismatch { throw BenchFailure(message: "bench log does not re-derive: \(mismatch)") }
        let heapAfter = MemoryProbe.heapBytesInUse()
        let accounts = replay.ledger.accountCount
        return withExtendedLifetime(replay) {
            Run(records: replay.lastSeq.rawValue, seconds: seconds, threadSeconds: cpuSeconds, processSeconds: processSeconds,
                heapPerAccount: Double(heapAfter - heapBefore) / Double(max(accounts, 1)), accounts: accounts,
                residentBefore: residentBefore)
        }
    }

    /// Runs this executable's `bench replay --build-only` on `directory`: the log is written by
    /// another process, as a daemon would have written it. Its figure line goes to our stdout.
    private func spawnBuild(_ directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = ["bench", "replay", "--build-only", "--log", directory, "--scale", String(scale)]
        if let snapshotEvery { arguments += ["--snapshot-every", String(snapshotEvery)] }
        if json { arguments.append("--json") }
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(message: "bench replay: building the log (\(arguments.joined(separator: " "))) exited with status \(process.terminationStatus)")
        }
    }

    private func build(_ directory: String) throws -> (records: UInt64, rate: Double) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: interval)
        let journal = try Journal(directory: directory, snapshotEvery: interval)
        var history = LiquidatingHistory(accounts: accounts, total: events)
        let seconds = try measureSeconds {
            var batch: [JournalInput] = []
            batch.reserveCapacity(10_000)
            while let (time, event) = history.next() {
                batch.append(JournalInput(time: time, event: event))
                guard batch.count == 10_000 else { continue }
                try journal.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
            try journal.append(batch)
        }
        let records = journal.log.lastSeq.rawValue
        return (records, Double(records) / seconds)
    }

    /// What the log holds, by kind, and how many distinct accounts were liquidated.
    private struct Contents {
        var counts: [EventKind: Int] = [:]
        var liquidatedAccounts = 0
        var describe: String {
            let kinds: [EventKind] = [.marginCall, .liquidationStarted, .liquidationDeferred, .auctionStarted, .auctionReset,
                                      .auctionEnded, .insuranceAbsorbed, .adl, .badDebt, .insuranceDeleveraged, .stateRoot]
            return kinds.map { "\($0.name) \(counts[$0, default: 0])" }.joined(separator: ", ")
        }
    }

    private func contents(_ directory: String) throws -> Contents {
        let log = try EventLog(directory: directory, readOnly: true)
        var contents = Contents()
        var liquidated = Set<AccountID>()
        try log.read { reader in
            try reader.forEach { stored in
                let record = try RecordCodec.decode(stored.bytes[...])
                contents.counts[record.kind, default: 0] += 1
                if case .liquidationStarted(let started) = record.event { liquidated.insert(started.account) }
                return true
            }
        }
        contents.liquidatedAccounts = liquidated.count
        return contents
    }
}

/// CPU time consumed by the calling thread, in seconds.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU time consumed by every thread of the process, in seconds.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Resident memory, read from /proc (Linux).
enum MemoryProbe {
    /// Heap bytes in use (glibc `mallinfo2`: arena blocks plus mmapped blocks). Unlike resident
    /// pages it does not count LMDB's mapped file or pages freed but kept by the allocator.
    static func heapBytesInUse() -> Int {
        Int(solvent_heap_bytes_in_use())
    }

    /// Resident memory from /proc (Linux), for figures that include mapped files.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

}
