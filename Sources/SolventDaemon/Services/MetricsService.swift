import ServiceLifecycle

/// The Prometheus endpoint as a service: closed when the group stops (after the server).
struct MetricsService: Service {
    let endpoint: MetricsEndpoint

    func run() async throws {
        try? await gracefulShutdown()
        await endpoint.close()
    }
}
