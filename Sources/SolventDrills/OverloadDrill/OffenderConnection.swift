import Foundation
import NIOCore
import NIOPosix

/// One connection of the overload drill, and what it saw: the lines it read (how many, the
/// last one), the bytes it sent, and whether the server closed it. Reads happen only when the
/// connection was opened reading, or after `startReading()`: until then the client is one that
/// never reads, which is the point.
final class OffenderConnection: @unchecked Sendable {
    let channel: any Channel
    private let log: ConnectionLog

    private init(channel: any Channel, log: ConnectionLog) {
        self.channel = channel
        self.log = log
    }

    /// Makes the `n`th chunk of requests of a pipelining client.
    typealias Chunks = @Sendable (_ n: Int) -> ByteBuffer

    /// Connects to `socketPath`; `pipelining` (if given) makes chunks written one after another
    /// while the socket is writable: a client that sends without ever waiting for its replies.
    static func open(socketPath: String, group: any EventLoopGroup, reading: Bool, pipelining: Chunks? = nil) async throws -> OffenderConnection {
        let log = ConnectionLog()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(log: log, pipelining: pipelining))
                }
            }
            .connect(unixDomainSocketPath: socketPath).get()
        return OffenderConnection(channel: channel, log: log)
    }

    func send(_ bytes: ByteBuffer) {
        log.sent(bytes.readableBytes)
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// From now on the client reads what was sent to it (and pipelines no more).
    func startReading() {
        log.stopPipelining()
        channel.setOption(.autoRead, value: true).whenSuccess { [channel] in channel.read() }
    }

    var linesRead: Int { log.snapshot.lines }
    var lastLine: String { log.snapshot.lastLine }
    var bytesSent: Int { log.snapshot.bytesSent }
    var isOpen: Bool { channel.isActive }

    /// Waits up to `timeout` for the server to close the connection; true if it did.
    func waitForClose(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while channel.isActive && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !channel.isActive
    }

    /// Waits up to `timeout` until `lines` lines were read; true if they were.
    func waitForLines(_ lines: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while linesRead < lines && channel.isActive && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return linesRead >= lines
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Counters of one connection, written on its event loop, read by the drill.
private final class ConnectionLog: @unchecked Sendable {
    struct Snapshot {
        var lines = 0
        var lastLine = ""
        var bytesSent = 0
    }

    private let lock = NSLock()
    private var state = Snapshot()
    /// The bytes after the last newline read so far (kept to 4 KiB: only error lines matter).
    private var partial: [UInt8] = []

    var snapshot: Snapshot { lock.withLock { state } }
    private var pipeliningStopped = false
    var isPipelining: Bool { lock.withLock { !pipeliningStopped } }
    func stopPipelining() { lock.withLock { pipeliningStopped = true } }

    func sent(_ count: Int) {
        lock.withLock { state.bytesSent += count }
    }

    func read(_ buffer: ByteBuffer) {
        lock.withLock {
            for byte in buffer.readableBytesView {
                if byte == UInt8(ascii: "\n") {
                    state.lines += 1
                    state.lastLine = String(decoding: partial, as: UTF8.self)
                    partial.removeAll(keepingCapacity: true)
                } else if partial.count < 4096 {
                    partial.append(byte)
                }
            }
        }
    }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let log: ConnectionLog
    private let pipelining: OffenderConnection.Chunks?
    private var chunks = 0

    init(log: ConnectionLog, pipelining: OffenderConnection.Chunks?) {
        self.log = log
        self.pipelining = pipelining
    }

    func channelActive(context: ChannelHandlerContext) {
        pipelineWhileWritable(context: context)
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pipelineWhileWritable(context: context)
        context.fireChannelWritabilityChanged()
    }

    private func pipelineWhileWritable(context: ChannelHandlerContext) {
        guard let pipelining else { return }
        while context.channel.isActive && context.channel.isWritable && log.isPipelining {
            let chunk = pipelining(chunks)
            chunks += 1
            log.sent(chunk.readableBytes)
            context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        log.read(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)  // A reset from the server ends this client too.
    }
}
