import NIOCore
import NIOExtras

/// The channel both ends of the link use: frames of a u32 big-endian length and a message
/// (NIOExtras' length-field codec), the inbound buffer bounded so that a peer announcing a huge
/// frame is an error before it is a memory problem.
enum LinkChannel {
    typealias Async = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func configure(_ channel: any Channel) -> EventLoopFuture<Async> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .thirtyTwoBits),
                                     maximumBufferSize: ReplicationMessage.maxFrameBytes + 4))
            try channel.pipeline.syncOperations.addHandler(LengthFieldPrepender(lengthFieldBitLength: .thirtyTwoBits))
            return try Async(wrappingChannelSynchronously: channel)
        }
    }

    static func frame(_ message: ReplicationMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        message.encode(into: &buffer)
        return buffer
    }
}

/// Reads messages off a link, one at a time: plain during the handshake, sealed after it.
struct MessageReader {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var seal: SessionSeal?

    /// The next message; nil when the peer closed the link.
    mutating func next() async throws -> ReplicationMessage? {
        guard let frame = try await inbound.next() else { return nil }
        if seal != nil { return try seal!.open(frame) }
        return try ReplicationMessage.decode(frame)
    }

    /// The next message, which must be there; a refusal is thrown (an authentication refusal as
    /// such, which a standby does not retry).
    mutating func expect(_ what: String) async throws -> ReplicationMessage {
        guard let message = try await next() else { throw ReplicationError.refused("the link closed before the \(what)") }
        if case .refusal(let reason) = message { throw Self.refusal(reason) }
        return message
    }

    /// A refusal as the error it is: one that retrying cannot mend (the key, or logs that share
    /// nothing) is permanent, and a standby stops rather than reconnects.
    static func refusal(_ reason: String) -> ReplicationError {
        if reason.hasPrefix(unauthenticated) { return .unauthenticated(reason) }
        if reason.hasPrefix(permanent) { return .permanent(String(reason.dropFirst(permanent.count))) }
        return .refused(reason)
    }

    static let unauthenticated = "unauthenticated: "
    static let permanent = "permanent: "
}
