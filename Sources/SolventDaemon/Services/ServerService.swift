import Logging
import ServiceLifecycle
import SolventServer

/// The socket server as a service: it is already serving when the group starts (recovery came
/// first, so that READY=1 means ready); on graceful shutdown it stops accepting, closes the
/// writer's queue and closes its connections once what they sent is committed and answered.
/// The writer's own service, shut down after this one, then ends the writer and closes the log.
struct ServerService: Service {
    let server: SolventServer
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()  // Cancellation ends the wait too; the drain is the same.
        logger.info("draining: no new connections; committing what was read")
        try await server.shutdown()
        logger.info("connections drained")
    }
}
