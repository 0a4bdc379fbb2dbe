import ServiceLifecycle
import SolventServer

/// Offers the engine a `clock` input every `interval` so that auctions step down and margin-call
/// deadlines pass without other traffic (SPEC §4). The committer appends it only when the engine
/// holds something time can move (`Ledger.awaitsTime`); an idle log gets no ticks.
struct ClockService: Service {
    let server: SolventServer
    let interval: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    server.tick()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: no more ticks.
        }
    }
}
