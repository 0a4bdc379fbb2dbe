import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import SolventCore
import SolventProtocol
import SolventServer
#if canImport(Glibc)
import Glibc
#endif

/// The socket of a node while it is a standby (docs/REPLICATION.md, "Clients"): NDJSON lines as
/// the leader's server reads them; `status`, `account` and `subscribe` are answered from the
/// standby's own log, every other request with `not_leader` naming the leader — not forwarded: a
/// forwarded append's acknowledgement would come from a node the client did not pick, and a
/// client that follows the leader itself learns where it is once, not per request.
final class StandbyServer: Sendable {
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let answer: @Sendable (Request?) -> String
    private let subscribe: Subscribe

    /// Streams records from a seq (nil: from the next one) of the selected kinds, until the
    /// connection or the server ends.
    typealias Subscribe = @Sendable (Seq?, KindFilter, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void

    private init(channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, answer: @escaping @Sendable (Request?) -> String,
                 subscribe: @escaping Subscribe) {
        self.channel = channel
        self.answer = answer
        self.subscribe = subscribe
    }

    /// Listens on `listener` (a socket-activated descriptor is duplicated, so that closing this
    /// server leaves it for the leader's server); `answer` writes the reply line of a request
    /// (nil: a line that is not one).
    static func start(_ listener: ServerOptions.Listener, answer: @escaping @Sendable (Request?) -> String,
                      subscribe: @escaping Subscribe) async throws -> StandbyServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { child in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                return try NIOAsyncChannel(wrappingChannelSynchronously: child)
            }
        }
        let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        switch listener {
        case .path(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: initializer)
            try FileManager.default.setAttributes([.posixPermissions: SolventServer.socketMode], ofItemAtPath: path)
        case .descriptor(let descriptor):
            channel = try await bootstrap.bind(dup(descriptor),
                                               childChannelInitializer: initializer)
        }
        return StandbyServer(channel: channel, answer: answer, subscribe: subscribe)
    }

    /// Serves until cancelled, then closes the listener and every connection.
    func run() async {
        try? await channel.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { try? await self.serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { lines, outbound in
            for try await line in lines {
                let request = try? Request.parse(line: Array(line.readableBytesView))
                if case .subscribe(let from, let kinds)? = request {
                    // The connection is a stream of records from now on (docs/PROTOCOL.md).
                    try await subscribe(from, kinds, outbound)
                    return
                }
                try await outbound.write(ByteBuffer(string: answer(request) + "\n"))
            }
        }
    }
}
