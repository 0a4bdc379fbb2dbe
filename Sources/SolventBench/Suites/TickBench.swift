import SolventCore
import SolventRandom

/// `solvent bench tick`: one `oracle.price` through the whole engine (`Ledger.apply`) with 1M
/// accounts holding one position each in one market (SPEC §10: p99 < 50 µs when none crosses).
///
/// The ledger is built in memory with `apply` (no LMDB): a deposit per account, then one trade
/// per pair, 0.1 BTC at 30,000 (notional 3,000). Deposits are spread over [300, 1,500), so the
/// longs' margin-call triggers spread over ≈ 15,070–27,130 and the shorts' over ≈ 32,840–44,790.
/// Two runs, each tick timed with `ContinuousClock`:
/// - none crossing: a random walk of ±0.05 % steps held within 30,000 ± 500, far from any trigger;
/// - ~1 % crossing: the mark steps down so that each tick crosses the triggers of about 1 % of
///   all accounts (2 % of the longs): margin calls, then liquidations and their auctions. Ten
///   such ticks from the same state (decoded from a snapshot taken before the first, untimed),
///   twenty times: 200 samples, so the p99 (the 199th of 200) is not simply the slowest tick.
public struct TickBench {
    let scale: Double

    var accounts: Int { max(Int(1_000_000 * scale), 1_000) / 2 * 2 }
    var quietTicks: Int { max(Int(10_000 * scale), 100) }
    static let crossingTicks = 10
    static let crossingRounds = 20
    static let market = MarketID(valid: "BTC-PERP")

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        var ledger = Ledger()
        var seq: Seq = 0
        var time: TimeMs = 0
        let buildSeconds = measureSeconds { build(&ledger, &seq, &time) }
        report.add(BenchFigure(bench: "tick.build", value: buildSeconds * 1000, unit: "ms",
                               note: "\(accounts) accounts with one position each, built with Ledger.apply"))
        try runQuiet(&ledger, &seq, &time, &report)
        try runCrossing(&ledger, &seq, &time, &report)
    }

    /// Applies at the next seq, `advanceMs` after the previous event (the build keeps the clock
    /// still, so the mark is not stale — and the market not halted — when the ticks begin).
    private func apply(_ event: Event, _ ledger: inout Ledger, _ seq: inout Seq, _ time: inout TimeMs, advanceMs: Int64 = 1) -> Int {
        seq = ledger.lastSeq + 1
        time += advanceMs
        return ledger.apply(event, seq: seq, time: time).count
    }

    private func oracle(_ raw: Int64) -> Event {
        var price = OraclePrice()
        price.market = Self.market
        price.price = Price(raw: raw)
        return .oraclePrice(price)
    }

    private func build(_ ledger: inout Ledger, _ seq: inout Seq, _ time: inout TimeMs) {
        var random = SplitMix64(state: 0x71C4)
        ledger.reserveAccounts(accounts + 2)
        _ = apply(.marketListed(MixedHistory.listing(Self.market)), &ledger, &seq, &time)
        _ = apply(oracle(30_000 * 100_000_000), &ledger, &seq, &time)
        let ids = (0..<accounts).map { AccountID(valid: "acct-\($0)") }
        for id in ids {
            var deposit = Deposit()
            deposit.account = id
            deposit.amount = Money(raw: (300 + random.int64(below: 1_200)) * 100_000_000 + random.int64(below: 100_000_000))
            _ = apply(.deposit(deposit), &ledger, &seq, &time, advanceMs: 0)
        }
        for pair in stride(from: 0, to: ids.count, by: 2) {
            var trade = Trade()
            trade.market = Self.market
            trade.buyer = ids[pair]
            trade.seller = ids[pair + 1]
            trade.qty = Quantity(raw: 10_000_000)      // 0.1
            trade.price = Price(units: 30_000)
            _ = apply(.trade(trade), &ledger, &seq, &time, advanceMs: 0)
        }
    }

    private func runQuiet(_ ledger: inout Ledger, _ seq: inout Seq, _ time: inout TimeMs, _ report: inout BenchReport) throws {
        var random = SplitMix64(state: 0x9017)
        let center: Int64 = 30_000 * 100_000_000
        var mark = center
        var latencies: [Duration] = []
        latencies.reserveCapacity(quietTicks)
        for _ in 0..<quietTicks {
            mark += (random.int64(below: 31) - 15) * 1_000_000_000     // ±15 in steps of 10 (≤ 0.05 %)
            mark = min(max(mark, center - 500 * 100_000_000), center + 500 * 100_000_000)
            let event = oracle(mark + random.int64(below: 100_000_000))
            let begin = ContinuousClock.now
            let derived = apply(event, &ledger, &seq, &time)
            latencies.append(ContinuousClock.now - begin)
            guard derived == 0 else {
                throw BenchFailure(message: "tick bench: a quiet tick at \(Price(raw: mark)) derived \(derived) records")
            }
        }
        addLatencies(latencies, "tick.none", note: "\(quietTicks) ticks, \(accounts) accounts, nothing crossed; one Ledger.apply each, in memory (no log, no state root); target p99 < 50", &report)
    }

    /// Longs' triggers are spread over ≈ 12,060 of price: 2 % of that per tick wakes ~1 % of
    /// all accounts. The walk starts just above the highest long trigger.
    private func runCrossing(_ ledger: inout Ledger, _ seq: inout Seq, _ time: inout TimeMs, _ report: inout BenchReport) throws {
        let start: Int64 = 27_200 * 100_000_000
        let step: Int64 = 241 * 100_000_000
        let snapshot = ledger.encodeSnapshot()
        var latencies: [Duration] = []
        var derivedTotal = 0
        for round in 0..<Self.crossingRounds {
            if round > 0 { ledger = try Ledger(snapshot: snapshot) }   // the same state each round, untimed
            var mark = start
            _ = apply(oracle(mark), &ledger, &seq, &time)                // untimed: crosses nothing
            for _ in 0..<Self.crossingTicks {
                mark -= step
                let event = oracle(mark)
                let begin = ContinuousClock.now
                derivedTotal += apply(event, &ledger, &seq, &time)
                latencies.append(ContinuousClock.now - begin)
            }
        }
        let perTick = derivedTotal / latencies.count
        addLatencies(latencies, "tick.cross1pct",
                     note: "\(latencies.count) samples: \(Self.crossingRounds) rounds of \(Self.crossingTicks) ticks from the same state (restored from a snapshot between rounds, untimed), "
                         + "each tick one Ledger.apply in memory (no log, no state root) crossing ~1% of accounts; mean \(perTick) derived records per tick (margin calls, liquidations, auctions, deferrals)",
                     &report)
    }

    /// Adds the p50 and p99 of `latencies` in microseconds.
    private func addLatencies(_ latencies: [Duration], _ name: String, note: String, _ report: inout BenchReport) {
        let sorted = latencies.sorted()
        for (label, quantile) in [("p50", 0.50), ("p99", 0.99)] {
            let at = sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
            let micros = Double(at.components.seconds) * 1e6 + Double(at.components.attoseconds) / 1e12
            report.add(BenchFigure(bench: "\(name).\(label)", value: micros, unit: "us_\(label)", note: note))
        }
    }
}
