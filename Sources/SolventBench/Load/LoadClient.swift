import NIOCore
import NIOPosix

/// A load generator for `solvent bench ingest`: one connection that keeps up to `window`
/// pre-encoded requests in flight and counts replies by their framing alone (no parsing, so the
/// client costs the shared cores as little as possible), timing each reply from its request's
/// send (replies come in request order).
public enum LoadClient {
    public enum Framing: Sendable { case lines, binary }

    /// The requests of one connection, encoded back to back.
    public struct Requests: Sendable {
        public var bytes: ByteBuffer
        /// The end offset of each request in `bytes`.
        public var ends: [Int]

        public init(bytes: ByteBuffer, ends: [Int]) {
            self.bytes = bytes
            self.ends = ends
        }
    }

    public struct Result: Sendable {
        public var replies: Int
        /// Send-to-reply time of every request, nanoseconds.
        public var latenciesNs: [UInt64]
        /// With `keepReplies`: the bytes each connection received, in order (one element per
        /// connection), for the caller to parse once the timed run is over; else empty.
        public var replyBytes: [[UInt8]]

        public init(replies: Int, latenciesNs: [UInt64], replyBytes: [[UInt8]] = []) {
            self.replies = replies
            self.latenciesNs = latenciesNs
            self.replyBytes = replyBytes
        }
    }

    /// Sends `requests` after `preamble` (the binary magic, or nothing) and returns once every
    /// reply is in. `keepReplies` keeps the received bytes (`Result.replyBytes`): a copy per read,
    /// no parsing, so a bench can check every reply's `ok` after the timer stops.
    public static func run(socketPath: String, group: any EventLoopGroup, preamble: [UInt8], requests: Requests,
                           framing: Framing, window: Int, keepReplies: Bool = false) async throws -> Result {
        let done = group.next().makePromise(of: Result.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        LoadHandler(preamble: preamble, requests: requests, framing: framing, window: window,
                                    keepReplies: keepReplies, done: done))
                }
            }
            .connect(unixDomainSocketPath: socketPath).get()
        channel.closeFuture.whenComplete { _ in done.fail(ChannelError.ioOnClosedChannel) }
        let result = try await done.futureResult.get()
        try? await channel.close()
        return result
    }
}

private final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let preamble: [UInt8]
    private let requests: LoadClient.Requests
    private let framing: LoadClient.Framing
    private let window: Int
    private let done: EventLoopPromise<LoadClient.Result>
    private var sent = 0
    private var replied = 0
    private var sendTimesNs: [UInt64]
    private var latenciesNs: [UInt64] = []
    private let keepReplies: Bool
    private var received: [UInt8] = []
    /// Binary framing: bytes still to skip of the current reply frame, or the partial length.
    private var frameRemaining = 0
    private var lengthBytes: [UInt8] = []

    init(preamble: [UInt8], requests: LoadClient.Requests, framing: LoadClient.Framing, window: Int,
         keepReplies: Bool, done: EventLoopPromise<LoadClient.Result>) {
        self.keepReplies = keepReplies
        self.preamble = preamble
        self.requests = requests
        self.framing = framing
        self.window = window
        self.done = done
        sendTimesNs = Array(repeating: 0, count: requests.ends.count)
        latenciesNs.reserveCapacity(requests.ends.count)
    }

    func channelActive(context: ChannelHandlerContext) {
        if !preamble.isEmpty { context.write(wrapOutboundOut(ByteBuffer(bytes: preamble)), promise: nil) }
        sendMore(context: context)
    }

    private func sendMore(context: ChannelHandlerContext) {
        let limit = min(requests.ends.count, replied + window)
        guard sent < limit else { return }
        let start = sent == 0 ? 0 : requests.ends[sent - 1]
        let end = requests.ends[limit - 1]
        let now = DispatchTimeNanos.now()
        for index in sent..<limit { sendTimesNs[index] = now }
        sent = limit
        context.writeAndFlush(wrapOutboundOut(requests.bytes.getSlice(at: start, length: end - start)!), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let before = replied
        if keepReplies { received.append(contentsOf: buffer.readableBytesView) }
        switch framing {
        case .lines: for byte in buffer.readableBytesView where byte == UInt8(ascii: "\n") { replied += 1 }
        case .binary: countFrames(buffer)
        }
        guard replied > before else { return }
        let now = DispatchTimeNanos.now()
        for index in before..<replied { latenciesNs.append(now - sendTimesNs[index]) }
        if replied >= requests.ends.count {
            done.succeed(LoadClient.Result(replies: replied, latenciesNs: latenciesNs,
                                           replyBytes: keepReplies ? [received] : []))
        } else {
            sendMore(context: context)
        }
    }

    private func countFrames(_ buffer: ByteBuffer) {
        var view = buffer.readableBytesView[...]
        while !view.isEmpty {
            if frameRemaining > 0 {
                let skip = min(frameRemaining, view.count)
                view = view.dropFirst(skip)
                frameRemaining -= skip
                if frameRemaining == 0 { replied += 1 }
                continue
            }
            lengthBytes.append(view.first!)
            view = view.dropFirst()
            if lengthBytes.count == 4 {
                frameRemaining = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
                lengthBytes.removeAll(keepingCapacity: true)
                if frameRemaining == 0 { replied += 1 }
            }
        }
    }
}

/// The monotonic clock in nanoseconds.
private enum DispatchTimeNanos {
    static func now() -> UInt64 { UInt64(NIODeadline.now().uptimeNanoseconds) }
}
