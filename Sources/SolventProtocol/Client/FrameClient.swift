import NIOCore
import NIOExtras
import NIOPosix
import SolventCore

/// A client of the binary framed mode (docs/PROTOCOL.md "Binary frames"), for feeders, benches
/// and tests: it sends the magic on connect, then append frames, and reads reply frames.
public final class FrameClient {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// An append to send: the idempotency key, the time (nil: the server stamps it), the event.
    public struct Append: Sendable {
        public var key: String
        public var time: TimeMs?
        public var event: Event

        public init(key: String, time: TimeMs? = nil, event: Event) {
            self.key = key
            self.time = time
            self.event = event
        }
    }

    /// Connects to `socketPath`, sends the binary magic unless `sendMagic` is false (tests of a
    /// bad start), runs `body`, then closes the connection.
    public static func withConnection<Result>(
        socketPath: String, sendMagic: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (FrameClient) async throws -> Result
    ) async throws -> Result {
        try await ClientChannel.withConnection(socketPath: socketPath, group: group,
                                               makeDecoder: { LengthFieldBasedFrameDecoder(lengthFieldBitLength: .thirtyTwoBits) }) { inbound, outbound in
            let client = FrameClient(inbound: inbound, outbound: outbound)
            if sendMagic { try await client.send(raw: BinaryProtocol.magic) }
            return try await body(client)
        }
    }

    /// Sends `appends` pipelined while reading their replies; returns the replies in request
    /// order — fewer only if the server closed the connection.
    public func exchange(_ appends: [Append]) async throws -> [BinaryProtocol.ReplyFrame] {
        var buffer = ByteBuffer()
        for append in appends {
            BinaryProtocol.appendFrame(key: append.key, time: append.time, event: append.event, into: &buffer)
        }
        let writer = outbound
        let frames = buffer
        async let written: Void = writer.write(frames)
        var replies: [BinaryProtocol.ReplyFrame] = []
        while replies.count < appends.count, let reply = try await receive() { replies.append(reply) }
        try? await written  // A server that closed early refused the rest; the replies say so.
        return replies
    }

    /// Sends raw bytes as they are (garbage tests, hand-made frames).
    public func send(raw bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Half-closes the connection: no more requests, but every reply still arrives.
    public func finishSending() {
        outbound.finish()
    }

    /// Sends one batch append and returns its results (one element: the whole batch's refusal),
    /// or nil if the server closed the connection first.
    public func exchangeBatch(key: String, items: [(time: TimeMs?, event: Event)]) async throws -> [BinaryProtocol.ReplyFrame]? {
        var buffer = ByteBuffer()
        BinaryProtocol.batchFrame(key: key, items: items, into: &buffer)
        try await outbound.write(buffer)
        guard let body = try await inbound.next() else { return nil }
        return try BinaryProtocol.batchReply(body: body)
    }

    /// The next reply frame, or nil once the server has closed the connection.
    public func receive() async throws -> BinaryProtocol.ReplyFrame? {
        guard let body = try await inbound.next() else { return nil }
        return try BinaryProtocol.reply(body: body)
    }
}
