import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Prometheus' text exposition format on `GET /metrics`, over a minimal HTTP/1.1 server.
public final class MetricsEndpoint: Sendable {
    private let channel: any Channel
    /// The bound port (useful when asked for port 0).
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    public static func start(
        address: MetricsAddress, registry: PrometheusCollectorRegistry,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> MetricsEndpoint {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        return MetricsEndpoint(channel: channel, port: channel.localAddress?.port ?? address.port)
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Answers one request at a time: `GET /metrics` with the registry's text, anything else 404
/// (or 405 for another method on /metrics).
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        var body = ByteBuffer()
        var contentType = "text/plain; charset=utf-8"
        if path != "/metrics" {
            status = .notFound
            body.writeString("not found: try /metrics\n")
        } else if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
        } else {
            status = .ok
            contentType = "text/plain; version=0.0.4; charset=utf-8"
            if request.method == .GET { body.writeBytes(registry.emitToBuffer()) }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let keepAlive = request.isKeepAlive
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { bound.value.close(promise: nil) }
        }
    }
}
