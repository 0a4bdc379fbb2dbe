import CoreMetrics
import Prometheus

/// The dashboard process's own metrics, in the daemon's Prometheus style (`/metrics`):
/// requests by route and status, SSE clients, and the seq the board has reached.
public struct DashboardMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let clients: CoreMetrics.Gauge
    private let seq: CoreMetrics.Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
        clients = CoreMetrics.Gauge(label: "solvent_dashboard_sse_clients", factory: factory)
        seq = CoreMetrics.Gauge(label: "solvent_dashboard_seq", factory: factory)
    }

    func request(route: String, status: Int) {
        CoreMetrics.Counter(label: "solvent_dashboard_requests_total",
                            dimensions: [("route", route), ("status", String(status))], factory: factory).increment()
    }

    func sseClients(_ count: Int) { clients.record(count) }

    func reached(seq value: UInt64) { seq.record(Double(value)) }

    /// The text exposition format.
    func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
