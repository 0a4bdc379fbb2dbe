import NIOCore
import NIOExtras
import NIOPosix

/// A client of the NDJSON protocol over the Unix socket, for `solvent send` and tests.
public final class LineClient {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to the server at `socketPath`, runs `body`, then closes the connection.
    public static func withConnection<Result>(
        socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (LineClient) async throws -> Result
    ) async throws -> Result {
        try await ClientChannel.withConnection(socketPath: socketPath, group: group,
                                               makeDecoder: { LineBasedFrameDecoder() }) { inbound, outbound in
            try await body(LineClient(inbound: inbound, outbound: outbound))
        }
    }

    /// Sends `requests` (one line each, newline added) pipelined while reading their replies;
    /// returns the replies in request order — fewer only if the server closed the connection.
    public func exchange(_ requests: [String]) async throws -> [String] {
        var buffer = ByteBuffer()
        for request in requests {
            buffer.writeString(request)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        let writer = outbound
        let frame = buffer
        async let written: Void = writer.write(frame)
        var replies: [String] = []
        replies.reserveCapacity(requests.count)
        while replies.count < requests.count, let line = try await inbound.next() {
            replies.append(String(buffer: line))
        }
        try? await written  // A server that closed early refused the rest; the replies say so.
        return replies
    }

    /// Sends raw bytes as they are (no newline added), for clients that frame their own lines.
    public func send(raw bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Half-closes the connection: no more requests, but every reply still arrives.
    public func finishSending() {
        outbound.finish()
    }

    /// The next reply line, or nil once the server has closed the connection.
    public func receive() async throws -> String? {
        try await inbound.next().map { String(buffer: $0) }
    }
}
