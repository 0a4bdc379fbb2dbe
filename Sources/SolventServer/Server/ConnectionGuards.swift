import Metrics
import NIOCore
import SolventCore
import SolventProtocol

/// Closes a connection whose socket has stayed unwritable for `timeout`: NIO's outbound buffer
/// is over its high-water mark (`SolventServer.writeBufferWaterMark`) and the peer has not read
/// enough to bring it back under the low one in all that time. The connection handler already
/// stops reading such a peer's requests (so its memory is bounded); this frees its descriptor
/// and buffers too. It is what ends a client that pipelines requests and never reads a reply,
/// and a subscriber still catching up from the log that never reads (a live one is ended
/// sooner by `slow_subscriber`). Nothing is lost: what it sent was committed or refused.
final class StalledWriteGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private static let cuts = Counter(label: "solvent_connections_cut_total", dimensions: [("reason", "stalled_write")])

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            deadline?.cancel()
            deadline = nil
        } else if deadline == nil {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                Self.cuts.increment()
                bound.value.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}

/// The whole pipeline of a connection over the limit: one `too_many_connections` line once it is
/// active, then the close. The line is NDJSON whatever the client meant to speak: nothing of its
/// input is read.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let refused = Counter(label: "solvent_connections_refused_total")

    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func channelActive(context: ChannelHandlerContext) {
        Self.refused.increment()
        var line = context.channel.allocator.buffer(capacity: 160)
        line.writeString(Reply.refused(key: nil, InputError(
            code: "too_many_connections", message: "the server has \(limit) connections open, its limit; try again later")))
        line.writeInteger(UInt8(ascii: "\n"))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(line)).whenComplete { _ in bound.value.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // Not a request: dropped.

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
