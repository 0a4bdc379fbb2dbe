import NIOCore
import NIOPosix

/// The connection both protocol clients (`LineClient`, `FrameClient`) open: a Unix-socket
/// channel whose inbound bytes `makeDecoder`'s decoder cuts into messages (lines or frames),
/// with remote half-closure allowed so a client that finished sending still reads every reply.
enum ClientChannel {
    /// Connects to `socketPath`, runs `body` with the channel's inbound messages and outbound
    /// writer, then closes the connection.
    static func withConnection<Decoder: ByteToMessageDecoder, Result>(
        socketPath: String, group: any EventLoopGroup, makeDecoder: @escaping @Sendable () -> Decoder,
        _ body: (NIOAsyncChannelInboundStream<ByteBuffer>, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Result
    ) async throws -> Result where Decoder.InboundOut == ByteBuffer {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(makeDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in try await body(inbound, outbound) }
    }
}
