import Logging
import ServiceLifecycle
import SolventServer

/// The socket server as a service: it is already serving when the group starts (recovery came
/// first, so that READY=1 means ready); on graceful shutdown it stops accepting, commits and
/// acknowledges what it has read, closes its connections and closes the log.
struct ServerService: Service {
    let server: SolventServer
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()  // Cancellation ends the wait too; the drain is the same.
        logger.info("draining: no new connections; committing what was read")
        try await server.shutdown()
        logger.info("log closed")
    }
}
