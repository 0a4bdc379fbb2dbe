import NIOCore
import NIOExtras
import SolventCore

/// Sent down every connection's pipeline at shutdown: reply to what was read, then close.
struct DrainAndClose: Sendable {}

/// One client connection: each line is a request; requests go to the committer (appends and
/// queries alike) and replies go back in request order. At most `maxInFlight` requests are
/// outstanding (plus the lines of the read that crossed it): beyond that, and while the socket is
/// not writable, the handler stops reading — backpressure instead of unbounded memory.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxInFlight = 1024

    private let committer: Committer
    /// What this peer may append (its roles, resolved when it connected).
    private let permission: AppendPermission
    private var order = ReplyOrder()
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var closing = false
    private var lastWrite: EventLoopFuture<Void>?

    init(committer: Committer, permission: AppendPermission = .everything) {
        self.committer = committer
        self.permission = permission
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        handle(Array(line.readableBytesView), context: context)
    }

    private func handle(_ line: [UInt8], context: ChannelHandlerContext) {
        let index = order.open()
        let request: Request
        do { request = try Request.parse(line: line) } catch {
            deliver(index, Reply.refused(key: error.key, error.error))
            return
        }
        if case .append(let key, _, let event) = request, !permission.allows(event.kind) {
            deliver(index, Reply.refused(key: key, InputError(
                code: "forbidden", field: "kind", message: "this peer's roles may not append \(event.kind.name)")))
            return
        }
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let queued = committer.submit(request) { reply in
            loop.execute { handler.value.deliver(index, reply) }
        }
        if !queued {
            let key: String? = if case .append(let key, _, _) = request { key } else { nil }
            deliver(index, Reply.refused(key: key, InputError(code: "shutting_down", message: "the server is shutting down")))
        }
    }

    /// Runs on the event loop with request `index`'s reply; writes whatever is now in order.
    private func deliver(_ index: UInt64, _ reply: String) {
        guard let context else { return }  // The client left; what it sent is still committed.
        let ready = order.fill(index, with: reply)
        guard !ready.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: ready.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in ready {
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        lastWrite = context.writeAndFlush(wrapOutboundOut(buffer))
        resumeReading(context: context)
        closeIfDrained(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if order.inFlight >= Self.maxInFlight || !context.channel.isWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readPending, order.inFlight < Self.maxInFlight, context.channel.isWritable else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            closing = true  // A half-closed client still gets every reply, then the close.
            closeIfDrained(context: context)
        } else if event is DrainAndClose {
            closing = true
            closeIfDrained(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let leftOver = error as? NIOExtrasErrors.LeftOverBytesError {
            // The last line lacked its newline; it is still a request.
            handle(Array(leftOver.leftOverBytes.readableBytesView), context: context)
        } else if error is ByteToMessageDecoderError.PayloadTooLargeError {
            // The framing cannot resynchronise inside an endless line: refuse it, then close.
            deliver(order.open(), Reply.refused(key: nil, InputError(
                code: "line_too_long", message: "a request line is at most \(Request.maxLineBytes) bytes")))
            closing = true
            closeIfDrained(context: context)
        } else if !closing {
            // Once closing, the decoder only repeats its error for bytes still arriving; the
            // close waits for the replies instead.
            context.close(promise: nil)
        }
    }

    /// Closes once closing was asked for and every reply has been written out.
    private func closeIfDrained(context: ChannelHandlerContext) {
        guard closing, order.inFlight == 0 else { return }
        closing = false
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        guard let lastWrite else { return context.close(promise: nil) }
        lastWrite.whenComplete { _ in bound.value.close(promise: nil) }
    }
}
