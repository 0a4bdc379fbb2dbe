import Hummingbird

/// Who may read the dashboard: anyone on a loopback listen; with a token (required for any other
/// address), only requests carrying it as `Authorization: Bearer …` or the `solvent_token`
/// cookie that `/login?token=…` sets. Compared in constant time.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/login" { return login(request) }
        guard let offered = Self.offered(request), Self.equalInConstantTime(offered, token) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"solvent\"", .contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "401: a valid bearer token is required (Authorization: Bearer …, or /login?token=…)\n")))
        }
        return try await next(request, context)
    }

    /// Sets the cookie for a browser and sends it to the overview.
    private func login(_ request: Request) -> Response {
        guard let offered = request.uri.queryParameters.get("token"), Self.equalInConstantTime(Array(offered.utf8), token) else {
            return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "401: wrong token\n")))
        }
        return Response(status: .seeOther, headers: [
            .location: "/", .setCookie: "solvent_token=\(offered); HttpOnly; SameSite=Strict; Path=/",
        ])
    }

    static func offered(_ request: Request) -> [UInt8]? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return Array(header.dropFirst("Bearer ".count).utf8)
        }
        for cookie in request.headers[values: .cookie].flatMap({ $0.split(separator: ";") }) {
            let pair = cookie.trimmingPrefix(" ")
            if pair.hasPrefix("solvent_token=") { return Array(pair.dropFirst("solvent_token=".count).utf8) }
        }
        return nil
    }

    /// Whether `a` equals `b`, in time that depends only on their lengths, never on where they
    /// first differ (a timing side channel would reveal the token byte by byte).
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let count = max(a.count, b.count)
        for i in 0..<count {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}

/// Where the dashboard listens, and whether that needs a token.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// `HOST:PORT`, `[V6]:PORT`.
    public init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw DashboardError("--listen \(text): expected HOST:PORT with a port from 0 to 65535")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw DashboardError("--listen \(text): the host is empty") }
        self.host = host
        self.port = port
    }

    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct DashboardError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
