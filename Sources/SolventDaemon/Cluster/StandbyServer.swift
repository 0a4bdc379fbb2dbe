import Foundation
import NIOConcurrencyHelpers
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
///
/// Plain channel handlers, not async channels: a connection accepted in the moment the node is
/// elected and this server closes would be an async channel never consumed, whose writer traps
/// when it is dropped (seen in the cluster drill). `close` stops accepting and closes every
/// connection, ending their subscriptions.
final class StandbyServer: Sendable {
    /// Streams records from a seq (nil: from the next one) of the selected kinds through `write`
    /// (which returns once the bytes are written), until the connection or the server ends.
    typealias Subscribe = @Sendable (Seq?, KindFilter, _ write: @escaping @Sendable (ByteBuffer) async throws -> Void) async throws -> Void

    private let listener: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>

    private init(listener: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>) {
        self.listener = listener
        self.connections = connections
    }

    /// Listens on `listener` (a socket-activated descriptor is duplicated, so that closing this
    /// server leaves it for the leader's server); `answer` writes the reply line of a request
    /// (nil: a line that is not one).
    static func start(_ listener: ServerOptions.Listener, answer: @escaping @Sendable (Request?) -> String,
                      subscribe: @escaping Subscribe) async throws -> StandbyServer {
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                connections.withLockedValue { $0[ObjectIdentifier(child)] = child }
                child.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(child)) } }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(StandbyConnection(answer: answer, subscribe: subscribe))
                }
            }
        let channel: any Channel
        switch listener {
        case .path(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            try FileManager.default.setAttributes([.posixPermissions: SolventServer.socketMode], ofItemAtPath: path)
        case .descriptor(let descriptor):
            channel = try await bootstrap.withBoundSocket(dup(descriptor)).get()
        }
        return StandbyServer(listener: channel, connections: connections)
    }

    /// Stops accepting, then closes every connection.
    func close() async {
        try? await listener.close()
        for connection in connections.withLockedValue({ Array($0.values) }) { try? await connection.close() }
    }
}

/// One connection to a standby: each line answered in order; `subscribe` turns it into a stream.
private final class StandbyConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let answer: @Sendable (Request?) -> String
    let subscribe: StandbyServer.Subscribe
    /// A subscription's task (event loop only): cancelled when the connection closes.
    private var streaming: Task<Void, Never>?

    init(answer: @escaping @Sendable (Request?) -> String, subscribe: @escaping StandbyServer.Subscribe) {
        self.answer = answer
        self.subscribe = subscribe
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard streaming == nil else { return }  // a subscriber's later lines are ignored, as the leader does
        let line = unwrapInboundIn(data)
        let request = try? Request.parse(line: Array(line.readableBytesView))
        if case .subscribe(let from, let kinds)? = request {
            let channel = context.channel
            streaming = Task { [subscribe] in
                try? await subscribe(from, kinds) { lines in try await channel.writeAndFlush(lines) }
                try? await channel.close()
            }
            return
        }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer(request) + "\n")), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        streaming?.cancel()
        context.fireChannelInactive()
    }
}
