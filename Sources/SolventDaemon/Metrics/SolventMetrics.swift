import CoreMetrics
import Foundation
import Prometheus
import SolventCore
import SolventServer

/// The daemon's metrics (docs/OPERATIONS.md, "Metrics"), fed by the committer after every group
/// that appended something. Each is made with an explicit factory, so tests can read their own
/// registry while the daemon's global one also carries what other parts record on it
/// (`solvent_subscribers`).
public final class SolventMetrics: CommitObserver, @unchecked Sendable {
    public static let subscribersLabel = "solvent_subscribers"

    /// Indexed by `EventKind.rawValue`.
    private let appended: [CoreMetrics.Counter?]
    private let batchRequests: CoreMetrics.Recorder
    private let commitDuration: CoreMetrics.Timer
    private let lastSeq: CoreMetrics.Gauge
    private let marginCalls: CoreMetrics.Gauge
    private let liquidations: CoreMetrics.Gauge
    private let deferred: CoreMetrics.Gauge
    private let auctions: CoreMetrics.Gauge
    private let insuranceFund: CoreMetrics.Gauge
    private let badDebt: CoreMetrics.Gauge
    public let connections: CoreMetrics.Gauge

    /// `badDebt` scans every account; it runs at most this often (and on the first commit).
    private let badDebtRefresh: Duration
    // Touched only by the committer thread (`staged`'s one caller).
    private var badDebtRefreshedAt: ContinuousClock.Instant?

    public init(factory: any MetricsFactory, badDebtRefresh: Duration = .seconds(1)) {
        var appended = [CoreMetrics.Counter?](repeating: nil, count: 256)
        for kind in EventKind.allCases {
            appended[Int(kind.rawValue)] = CoreMetrics.Counter(label: "solvent_events_appended_total", dimensions: [("kind", kind.name)], factory: factory)
        }
        self.appended = appended
        batchRequests = CoreMetrics.Recorder(label: "solvent_commit_batch_requests", aggregate: true, factory: factory)
        commitDuration = CoreMetrics.Timer(label: "solvent_commit_duration_seconds", factory: factory)
        lastSeq = CoreMetrics.Gauge(label: "solvent_log_seq", factory: factory)
        marginCalls = CoreMetrics.Gauge(label: "solvent_margin_calls_active", factory: factory)
        liquidations = CoreMetrics.Gauge(label: "solvent_liquidations_active", factory: factory)
        deferred = CoreMetrics.Gauge(label: "solvent_liquidations_deferred", factory: factory)
        auctions = CoreMetrics.Gauge(label: "solvent_auctions_active", factory: factory)
        insuranceFund = CoreMetrics.Gauge(label: "solvent_insurance_fund", factory: factory)
        badDebt = CoreMetrics.Gauge(label: "solvent_bad_debt", factory: factory)
        connections = CoreMetrics.Gauge(label: "solvent_connections", factory: factory)
        self.badDebtRefresh = badDebtRefresh
    }

    /// A factory whose histograms fit these figures: batch sizes up to the committer's 16,384
    /// requests, commit times from 50 µs to 1 s (an fsync is ~0.1–10 ms).
    public static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["solvent_commit_batch_requests"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
        factory.durationHistogramBuckets["solvent_commit_duration_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        return factory
    }

    /// The state's figures, on the committer thread after each staged group.
    public func staged(ledger: borrowing Ledger) {
        let figures = ledger.engineFigures
        marginCalls.record(figures.marginCalls)
        liquidations.record(figures.runningLiquidations)
        deferred.record(figures.deferredLiquidations)
        auctions.record(figures.runningAuctions)
        insuranceFund.record(Self.units(figures.insuranceFund))
        let now = ContinuousClock.now
        if badDebtRefreshedAt.map({ now - $0 >= badDebtRefresh }) ?? true {
            badDebtRefreshedAt = now
            badDebt.record(Self.units(ledger.badDebt()))
        }
    }

    /// The counts of a durable group, before its answers leave.
    public func committed(_ report: CommitReport) {
        for (raw, count) in report.recordsByKind.enumerated() where count > 0 {
            appended[raw]?.increment(by: count)
        }
        batchRequests.record(report.requests)
        let (seconds, attoseconds) = report.commitDuration.components
        commitDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if let seq = report.lastSeq { lastSeq.record(Int64(clamping: seq.rawValue)) }
    }

    /// Money as a float for display only: metrics are Doubles; nothing reads money back from them.
    static func units(_ money: Money) -> Double { Double(money.raw) / 100_000_000 }
}
