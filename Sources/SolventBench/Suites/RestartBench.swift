import Foundation
import SolventCore
import SolventStore
#if canImport(Glibc)
import Glibc
#endif

/// `solventd` start to `READY=1` on a log whose latest snapshot holds 1M accounts with one
/// position each (SPEC §10: < 2 s).
///
/// The log is built here through `Journal` and closed; then the real `solventd` (the executable
/// next to this one, or `--daemon`) is started as another process with `NOTIFY_SOCKET` naming a
/// datagram socket this bench listens on, and the figure is the wall time from just before the
/// spawn to the `READY=1` datagram (sent once recovery is done and the socket accepts requests).
/// Twice: with the log's pages as the build left them (warm), then after dropping them (cold).
/// `--scale` scales the account count.
public struct RestartBench {
    let scale: Double
    let daemonPath: String

    var accounts: Int { max(Int(1_000_000 * scale), 100) / 2 * 2 }

    public init(scale: Double, daemonPath: String) {
        self.scale = scale
        self.daemonPath = daemonPath
    }

    public func run(_ report: inout BenchReport) async throws {
        guard FileManager.default.isExecutableFile(atPath: daemonPath) else {
            throw BenchFailure(message: "bench restart: no solventd at \(daemonPath); build it (swift build -c release --product solventd) or pass --daemon")
        }
        let directory = NSTemporaryDirectory() + "solvent-restart-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/data"
        let records = try build(data)
        let warm = try await start(directory: directory, data: data)
        report.add(BenchFigure(bench: "restart", value: warm.ms, unit: "ms",
                               note: "solventd process start to READY=1 (sd_notify), another process; log of \(records) records built and closed by this bench, "
                                   + "latest snapshot (and state root) at its end: \(accounts) accounts with one position each; "
                                   + "page cache warm (data.mdb \(PageCache.percent(warm.residentBefore)) resident); target < 2000"))
        let dropped = PageCache.drop(data + "/data.mdb")
        let cold = try await start(directory: directory, data: data)
        report.add(BenchFigure(bench: "restart.cold", value: cold.ms, unit: "ms",
                               note: "as restart, after dropping the log's pages (\(dropped.method); data.mdb \(PageCache.percent(cold.residentBefore)) resident at the start)"))
    }

    /// The log: one snapshot (and state root), at the very end, so the restart replays no tail.
    private func build(_ data: String) throws -> Int {
        let inputs = self.inputs()
        let snapshotEvery = UInt64(inputs.count)
        try EventLog.create(directory: data, createdTimeMs: 0, snapshotEvery: snapshotEvery)
        var records = 0
        do {
            let journal = try Journal(directory: data, snapshotEvery: snapshotEvery)
            var start = 0
            while start < inputs.count {
                let end = min(start + 10_000, inputs.count)
                try journal.append(Array(inputs[start..<end]))
                start = end
            }
            records = Int(journal.log.lastSeq.rawValue)
        }  // the journal (and its LMDB environment) is closed here, before the daemon opens the log
        return records
    }

    /// Starts `solventd` on `data`, waits for its `READY=1`, stops it with SIGTERM.
    private func start(directory: String, data: String) async throws -> (ms: Double, residentBefore: Double) {
        let listener = try NotifyListener(path: directory + "/notify.sock")
        let socketPath = directory + "/solventd.sock"
        let residentBefore = PageCache.residentFraction(data + "/data.mdb")
        let began = ContinuousClock.now
        let daemon = try DaemonProcess(executable: daemonPath, arguments: ["--data", data, "--socket", socketPath],
                                       socketPath: socketPath, logPath: directory + "/solventd.log",
                                       environment: ["NOTIFY_SOCKET": listener.path])
        let ready = listener.waitForReady(timeoutMs: 120_000) { daemon.isRunning }
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit(timeout: .seconds(60))
        if status == nil { daemon.signal(SIGKILL) }
        guard let ready else {
            let log = (try? String(contentsOfFile: directory + "/solventd.log", encoding: .utf8)) ?? ""
            throw BenchFailure(message: "bench restart: solventd sent no READY=1; its log:\n\(log)")
        }
        guard status == 0 else { throw BenchFailure(message: "bench restart: solventd exited with status \(status.map { String($0) } ?? "none") on SIGTERM") }
        let elapsed = ready - began
        return (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, residentBefore)
    }

    /// A listing, a price, a deposit per account, then one trade per pair of accounts.
    private func inputs() -> [JournalInput] {
        let market = MarketID(valid: "BTC-PERP")
        var inputs = [JournalInput(time: 0, event: .marketListed(MixedHistory.listing(market)))]
        var price = OraclePrice()
        price.market = market
        price.price = Price(units: 30_000)
        inputs.append(JournalInput(time: 0, event: .oraclePrice(price)))
        let ids = (0..<accounts).map { AccountID(valid: "acct-\($0)") }
        for id in ids {
            var deposit = Deposit()
            deposit.account = id
            deposit.amount = Money(units: 10_000)
            inputs.append(JournalInput(time: 0, event: .deposit(deposit)))
        }
        for pair in stride(from: 0, to: ids.count, by: 2) {
            let trade = BenchInputs.pairTrade(market: market, buyer: ids[pair], seller: ids[pair + 1])
            inputs.append(JournalInput(time: 0, event: .trade(trade)))
        }
        return inputs
    }
}
