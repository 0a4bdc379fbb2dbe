import SolventCore
import SolventRandom

/// `solvent bench tickindex`: the `TriggerIndex` alone under 1M accounts with positions (SPEC §5
/// fast ticks; issue 5 asks p99 < 50 µs per tick when nothing crosses).
///
/// Half the accounts are long (a falling trigger below the mark), half short (a rising trigger
/// above it), prices uniform over a band around the mark. Two runs of ticks, each tick timed:
/// - none crossing: the mark wanders strictly between the nearest triggers;
/// - 1% crossing: the mark steps down by the width holding 1% of the accounts' triggers, and
///   every crossed long is re-armed below the lowest long trigger, as the engine would re-arm an
///   account after re-assessing it, so the crowd keeps its density tick after tick.
public struct TickIndexBench {
    let scale: Double

    var accounts: Int { max(Int(1_000_000 * scale), 1_000) }
    var ticks: Int { max(Int(10_000 * scale), 100) }
    static let crossingFraction = 0.01
    /// Raw width of the band the longs' (and the shorts') triggers are spread over: 10 000 units.
    static let widthRaw: Int64 = 10_000 * 100_000_000

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        var random = SplitMix64(state: 0x5EED)
        let residentBefore = MemoryProbe.residentBytes()
        var start = Int64(0)
        var index = TriggerIndex()
        let buildSeconds = measureSeconds { start = build(&index, &random) }
        let perEntry = Double(MemoryProbe.residentBytes() - residentBefore) / Double(accounts)
        report.add(BenchFigure(bench: "tickindex.build", value: Double(accounts) / buildSeconds, unit: "updates/s",
                               note: "\(accounts) accounts, one trigger each"))
        report.add(BenchFigure(bench: "tickindex.memory.per_account", value: perEntry, unit: "bytes",
                               note: "resident growth while building; goal about 40"))
        try runQuiet(index, mark: start, &random, &report)
        try runCrossing(&index, mark: start, &report)
    }

    /// Longs get falling triggers in (mark − width, mark), shorts rising ones in (mark, mark + width).
    private func build(_ index: inout TriggerIndex, _ random: inout SplitMix64) -> Int64 {
        let mark = Self.widthRaw * 400  // the crossing run walks down 200 widths at full scale: stay positive
        for account in 0..<accounts {
            let offset = 1 + random.int64(below: Self.widthRaw - 1)
            if account % 2 == 0 {
                index.update(UInt32(account), fallingTo: Price(raw: mark - offset), risingTo: nil)
            } else {
                index.update(UInt32(account), fallingTo: nil, risingTo: Price(raw: mark + offset))
            }
        }
        return mark
    }

    private func runQuiet(_ index: TriggerIndex, mark: Int64, _ random: inout SplitMix64,
                          _ report: inout BenchReport) throws {
        guard let low = index.highestFalling?.raw, let high = index.lowestRising?.raw, high - low > 1 else {
            throw BenchFailure(message: "tick bench: no gap between the nearest triggers")
        }
        var latencies: [Duration] = []
        latencies.reserveCapacity(ticks)
        for _ in 0..<ticks {
            let price = Price(raw: low + 1 + random.int64(below: high - low - 1))
            let begin = ContinuousClock.now
            let hits = index.crossed(by: price)
            latencies.append(ContinuousClock.now - begin)
            guard hits.isEmpty else { throw BenchFailure(message: "tick bench: a quiet tick crossed") }
        }
        addLatencies(latencies, "tickindex.none", note: "\(ticks) ticks, nothing crossed; target p99 50", &report)
    }

    private func runCrossing(_ index: inout TriggerIndex, mark start: Int64, _ report: inout BenchReport) throws {
        let longs = (accounts + 1) / 2
        // Longs' triggers are uniform over widthRaw, so this step crosses 1% of all accounts.
        let step = Int64(Double(Self.widthRaw) * Self.crossingFraction * Double(accounts) / Double(longs))
        var mark = start
        var lowest = start - Self.widthRaw  // below every long trigger so far
        var queries: [Duration] = []
        var totals: [Duration] = []
        var crossedCount = 0
        for _ in 0..<ticks {
            mark -= step
            let begin = ContinuousClock.now
            let hits = index.crossed(by: Price(raw: mark))
            let queried = ContinuousClock.now
            // Re-arm below everything else, keeping the crowd's density: spread over one step.
            for (offset, account) in hits.fell.enumerated() {
                let trigger = lowest - 1 - Int64(offset) * step / Int64(max(hits.fell.count, 1))
                index.update(account, fallingTo: Price(raw: trigger), risingTo: nil)
            }
            let end = ContinuousClock.now
            lowest -= step
            queries.append(queried - begin)
            totals.append(end - begin)
            crossedCount += hits.fell.count + hits.rose.count
        }
        let mean = crossedCount / ticks
        addLatencies(queries, "tickindex.cross1pct.query", note: "\(ticks) ticks, mean \(mean) crossed; crossed(by:) only", &report)
        addLatencies(totals, "tickindex.cross1pct.tick", note: "crossed(by:) plus re-arming every crossed account", &report)
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
