import NIOCore
import SolventCore
import SolventProtocol

/// Sent down every connection's pipeline at shutdown: reply to what was read, then close.
struct DrainAndClose: Sendable {}

/// One client connection: each frame (a JSON line, or a binary frame) is a request, decoded here
/// on the connection's event loop; requests go to the committer (appends and queries alike) and
/// answers come back in request order, encoded here too. At most `maxInFlight` requests are
/// outstanding (plus the frames of the read that crossed it): beyond that, and while the socket
/// is not writable, the handler stops reading — backpressure instead of unbounded memory.
/// A `subscribe` request turns the connection into a record stream once every earlier reply
/// is written.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxInFlight = 1024

    private enum Streaming {
        case no
        case waiting(from: Seq?, kinds: KindFilter)
        case started
    }

    private let committer: Committer
    private let hub: SubscriptionHub
    /// What this peer may append (its roles, resolved when it connected).
    private let permission: AppendPermission
    private var order = ReplyOrder<Response>()
    private var context: ChannelHandlerContext?
    private var route: Route?
    /// Requests of the current read, submitted together when the read completes.
    private var pending: [Submission] = []
    private var scanScratch = Request.ScanScratch()
    private var decoder = FrameDecoder()
    /// Bytes read that do not make a whole frame yet.
    private var received: ByteBuffer?
    /// The framing failed (a fatal frame): nothing more is read from this connection, as reading
    /// on would only spend CPU discarding whatever the client still pushes — the rest of a 1 MiB
    /// line, or an endless stream.
    private var framingFailed = false
    /// After a fatal frame's refusal is written: the output is closed and the input read and
    /// dropped until the client closes it (at most `lingerSeconds`), so that the close does not
    /// reset a connection whose client is still sending — a reset discards the refusal the
    /// client has not read yet, which a line cut at 1 MiB made likely.
    private var lingering = false
    static let lingerSeconds: Int64 = 1
    private var binaryReplies = false
    private var readPending = false
    private var closing = false
    private var streaming = Streaming.no
    /// The client closed its sending side (before its subscription could start, or with its
    /// requests in flight).
    private var inputEnded = false

    init(committer: Committer, hub: SubscriptionHub, permission: AppendPermission = .everything) {
        self.committer = committer
        self.hub = hub
        self.permission = permission
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        route = Route(handler: NIOLoopBound(self, eventLoop: context.eventLoop), loop: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        route = nil  // The route holds this handler: break the cycle.
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var held = received {
            received = nil  // `held` is then the buffer's only owner: appending copies nothing else.
            if held.writableBytes < bytes.readableBytes { held.discardReadBytes() }
            held.writeBuffer(&bytes)
            bytes = held
        }
        while let frame = decoder.next(&bytes) { handle(frame, context: context) }
        if bytes.readableBytes > 0 { received = bytes }
    }

    /// The end of the input: what is left makes a last request (a line without its newline).
    private func decodeLast(context: ChannelHandlerContext) {
        guard var bytes = received else { return }
        received = nil
        while let frame = decoder.next(&bytes) { handle(frame, context: context) }
        if let frame = decoder.last(&bytes) { handle(frame, context: context) }
    }

    private func handle(_ frame: InboundFrame, context: ChannelHandlerContext) {
        if case .fatal = frame { framingFailed = true }  // Also on a subscriber's connection.
        guard case .no = streaming else { return }  // A subscriber's further input is ignored.
        switch frame {
        // Parsed straight into `accept`, not through a `Result`: every wrapping moved the
        // request (its 113-byte event) once more, and memmove was the event loop's largest leaf.
        case .line(let line):
            do throws(RequestRefusal) {
                accept(try line.withUnsafeReadableBytes { bytes throws(RequestRefusal) in
                    try Request.parse(line: bytes, scratch: &scanScratch)
                })
            } catch {
                refuse(error)
            }
        case .binary(let body):
            binaryReplies = true
            do throws(RequestRefusal) { accept(try BinaryProtocol.request(body: body)) } catch { refuse(error) }
        case .fatal(let error, let binary):
            // The framing cannot resynchronise: refuse, then close once the replies are out.
            binaryReplies = binary
            deliver(order.open(), .refused(key: nil, error))
            closing = true
            closeIfDrained(context: context)
        }
    }

    private func refuse(_ refusal: RequestRefusal) {
        deliver(order.open(), .refused(key: refusal.key, refusal.error))
    }

    private func accept(_ request: consuming Request) {
        switch request {
        case .subscribe(let from, let kinds):
            streaming = .waiting(from: from, kinds: kinds)
            submitPending()
            startStreamingIfDrained()
        case .append(let key, _, let event) where !permission.allows(event.kind):
            deliver(order.open(), .refused(key: key, Self.forbidden(event.kind)))
        case .appendBatch(let key, var items) where items.contains(where: { !allowed($0) }):
            // Each event this peer may not append is refused alone, as an unreadable one is.
            for index in items.indices where !allowed(items[index]) {
                if case .success(let event) = items[index].event { items[index].event = .failure(Self.forbidden(event.kind)) }
            }
            pending.append(Submission(request: .appendBatch(key: key, items: items), index: order.open(), target: route!))
        default:
            pending.append(Submission(request: request, index: order.open(), target: route!))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        submitPending()
        context.fireChannelReadComplete()
    }

    private func allowed(_ item: BatchItem) -> Bool {
        guard case .success(let event) = item.event else { return true }
        return permission.allows(event.kind)
    }

    private static func forbidden(_ kind: EventKind) -> InputError {
        InputError(code: "forbidden", field: "kind", message: "this peer's roles may not append \(kind.name)")
    }

    private func submitPending() {
        guard !pending.isEmpty else { return }
        let work = pending
        pending.removeAll(keepingCapacity: true)
        guard committer.submit(work) else {
            for submission in work {
                let key: String? = switch submission.request {
                case .append(let key, _, _), .appendBatch(let key, _): key
                default: nil
                }
                deliver(submission.index, .refused(key: key, InputError(code: "shutting_down", message: "the server is shutting down")))
            }
            return
        }
    }

    /// Runs on the event loop with answers from one group commit; writes whatever is now in order.
    fileprivate func deliver(_ responses: [IndexedResponse]) {
        guard let context else { return }  // The client left; what it sent is still committed.
        var buffer = context.channel.allocator.buffer(capacity: responses.count * 64)
        for answer in responses {
            order.fill(answer.index, with: answer.response) { encode($0, into: &buffer) }
        }
        write(buffer, context: context)
    }

    private func deliver(_ index: UInt64, _ response: Response) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        order.fill(index, with: response) { encode($0, into: &buffer) }
        write(buffer, context: context)
    }

    private func encode(_ response: Response, into buffer: inout ByteBuffer) {
        if binaryReplies { BinaryProtocol.write(response, into: &buffer) } else { Reply.write(response, into: &buffer) }
    }

    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        // No promise: one per write was a measurable part of answering one-request clients;
        // `closeIfDrained` orders the close behind every write instead.
        if buffer.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
        resumeReading(context: context)
        startStreamingIfDrained()
        closeIfDrained(context: context)
    }

    /// A subscription starts once every reply before it is written, so record lines never
    /// interleave with replies.
    private func startStreamingIfDrained() {
        guard case .waiting(let from, let kinds) = streaming, order.inFlight == 0, let context else { return }
        streaming = .started
        if inputEnded {
            closing = true
            streaming = .no
            return closeIfDrained(context: context)
        }
        hub.subscribe(channel: context.channel, from: from, kinds: kinds)
        if readPending {
            readPending = false
            readOn(context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if lingering { return context.read() }  // Only to drop what still comes.
        if case .no = streaming, order.inFlight >= Self.maxInFlight || !context.channel.isWritable {
            readPending = true
        } else if case .waiting = streaming {
            readPending = true
        } else {
            readOn(context: context)  // A subscriber is still read, to notice when it goes away.
        }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readPending, case .no = streaming, order.inFlight < Self.maxInFlight, context.channel.isWritable else { return }
        readPending = false
        readOn(context: context)
    }

    private func readOn(context: ChannelHandlerContext) {
        if !framingFailed || lingering { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            decodeLast(context: context)
            switch streaming {
            case .started:
                context.close(promise: nil)  // A subscriber that stops sending has gone away.
                return
            case .waiting:
                inputEnded = true
                return
            case .no: break
            }
            inputEnded = true
            submitPending()
            closing = true  // A half-closed client still gets every reply, then the close.
            closeIfDrained(context: context)
        } else if event is DrainAndClose {
            if case .no = streaming {
                closing = true
                closeIfDrained(context: context)
            } else {
                context.close(promise: nil)
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !closing { context.close(promise: nil) }
    }

    /// Closes once closing was asked for and every reply has been written out.
    private func closeIfDrained(context: ChannelHandlerContext) {
        guard closing, order.inFlight == 0, case .no = streaming else { return }
        closing = false
        // Writes complete in order, an empty one too (NIO's PendingStreamWritesState): its
        // completion means every reply before it is written, and only then is it safe to close
        // (a close fails the writes still pending).
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let linger = framingFailed
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            guard linger else { return bound.value.close(promise: nil) }
            handler.value.linger(context: bound.value)
        }
    }

    /// Closes the output (the client reads the refusal, then the end), then drops what the client
    /// still sends until it closes too, or `lingerSeconds` pass.
    private func linger(context: ChannelHandlerContext) {
        guard !inputEnded else { return context.close(promise: nil) }  // Nothing more can come.
        lingering = true
        context.close(mode: .output, promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(Self.lingerSeconds)) { bound.value.close(promise: nil) }
        context.read()
    }
}

/// The committer's way back to one connection: on its event loop, in the one hop per group commit
/// that the committer makes for all the loop's connections (`Outbox.send`).
private final class Route: ReplyTarget {
    let handler: NIOLoopBound<ConnectionHandler>
    let loop: any EventLoop

    init(handler: NIOLoopBound<ConnectionHandler>, loop: any EventLoop) {
        self.handler = handler
        self.loop = loop
    }

    var eventLoop: (any EventLoop)? { loop }

    func deliver(_ responses: [IndexedResponse]) {
        loop.execute { [handler] in handler.value.deliver(responses) }
    }

    func deliverOnLoop(_ responses: [IndexedResponse]) {
        handler.value.deliver(responses)
    }
}
