import CLMDB
import Foundation
import SolventCore
import SolventStore

/// `solvent bench replay`: builds a mixed log (100k accounts, trades, prices, funding, deposits)
/// and re-derives the state from it, comparing every derived record (SPEC §10: ≥ 3M events/s).
struct ReplayBench {
    let scale: Double
    /// Where to keep the built log for later runs (nil: a temporary directory).
    var logDirectory: String? = nil
    /// The log's `state.root` interval (nil: none).
    var snapshotEvery: UInt64? = nil

    var accounts: Int { max(Int(100_000 * scale), 100) }
    var events: Int { max(Int(10_000_000 * scale), accounts * 2) }

    func run(_ report: inout BenchReport) throws {
        if let logDirectory {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            try replay(logDirectory, &report)
        } else {
            try withTemporaryDirectory { try replay($0, &report) }
        }
    }

    private func replay(_ directory: String, _ report: inout BenchReport) throws {
        if logDirectory == nil || !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            let built = try build(directory)
            report.add(BenchFigure(bench: "replay.build", value: built.rate, unit: "events/s",
                                   note: "\(built.records) records through the write path, 10000 per transaction"))
        }
        let log = try EventLog(directory: directory, readOnly: true)  // a kept log is input, never changed
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
        if let mismatch { throw CommandFailure(message: "bench log does not re-derive: \(mismatch)") }
        // Decoding runs on a second thread (`LogReader.replay`), so the figure the target means
        // is the wall-clock one. On a shared machine it moves ±50% with other load; the CPU-time
        // rates say what an idle machine would reach: per CPU second of the applying thread
        // (the bound with a free second core) and of the whole process (both threads).
        let cpuRate = Int(Double(replay.lastSeq) / cpuSeconds)
        let processRate = Int(Double(replay.lastSeq) / processSeconds)
        report.add(BenchFigure(bench: "replay", value: Double(replay.lastSeq) / seconds, unit: "events/s",
                               note: "\(replay.lastSeq) records, \(accounts) accounts, decoded on a second thread; "
                                   + "\(cpuRate)/s per CPU second of the applying thread, \(processRate)/s per CPU second of the process; target 3000000"))
        let perAccount = try MemoryProbe.bytesPerAccount(of: replay.ledger)
        report.add(BenchFigure(bench: "memory.per_account", value: perAccount, unit: "bytes",
                               note: "heap bytes per account held by the state after loading \(replay.ledger.accountCount) accounts; target 300"))
    }

    private func build(_ directory: String) throws -> (records: Seq, rate: Double) {
        // By default no snapshots and no state roots: the figure is the replay of the records alone.
        let interval = snapshotEvery ?? UInt64.max
        try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: interval)
        let journal = try Journal(directory: directory, snapshotEvery: interval)
        var history = MixedHistory(accounts: accounts, total: events)
        var progress = Progress("building log", total: UInt64(events))
        var done = 0
        let seconds = try measureSeconds {
            var batch: [JournalInput] = []
            batch.reserveCapacity(10_000)
            while let (time, event) = history.next() {
                batch.append(JournalInput(time: time, event: event))
                guard batch.count == 10_000 else { continue }
                try journal.append(batch)
                done += batch.count
                progress.update(UInt64(done))
                batch.removeAll(keepingCapacity: true)
            }
            try journal.append(batch)
        }
        progress.finish()
        let records = journal.log.lastSeq
        return (records, Double(records) / seconds)
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

    /// Heap held by a state decoded from `ledger`'s snapshot, per account.
    static func bytesPerAccount(of ledger: Ledger) throws -> Double {
        let snapshot = ledger.encodeSnapshot()
        let before = heapBytesInUse()
        let loaded = try Ledger(snapshot: snapshot)
        let after = heapBytesInUse()
        return withExtendedLifetime(loaded) { Double(after - before) / Double(max(loaded.accountCount, 1)) }
    }
}
