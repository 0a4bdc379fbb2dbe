import Foundation
import Hummingbird
import SolventAudit
import SolventCharts
import SolventCore
import SolventStore

/// The pages and the JSON API (docs/DASHBOARD.md, docs/openapi.yaml). Every handler reads the
/// board or the log; none writes anything.
struct DashboardRoutes: Sendable {
    let board: RiskBoard
    let log: EventLog
    let metrics: DashboardMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in html("Overview", active: "/") { OverviewPage.body($0) } }
        router.get("/map") { request, _ in
            let (market, bps, buckets) = try mapQuery(request)
            return html("Liquidation map", active: "/map") { MapPage.body($0, market: market, bucketBps: bps, buckets: buckets) }
        }
        router.get("/auctions") { _, _ in html("Auctions", active: "/auctions") { AuctionsPage.body($0) } }
        router.get("/adl") { request, _ in
            let market = try marketQuery(request)
            return html("ADL queue", active: "/adl") { ADLPage.body($0, market: market) }
        }
        router.get("/accounts") { request, _ in
            guard let id = request.uri.queryParameters.get("id"), !id.isEmpty else {
                return html("Account", active: "") { _ in "<p>Search an account by id above.</p>" }
            }
            // One path segment: percent-encoded, slashes included.
            let segment = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [.location: "/accounts/\(segment)"])
        }
        router.get("/accounts/:id") { _, context in try accountPage(context.parameters.require("id")) }
        router.get("/liquidations/:seq") { _, context in try liquidationPage(context.parameters.require("seq")) }
        router.get("/events") { _, _ in events() }
        router.get("/metrics") { _, _ in Self.text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8") }
        router.get("/healthz") { _, _ in Self.text("ok seq=\(board.lastSeqSeen)\n") }
        registerAPI(on: router)
    }

    private func registerAPI(on router: Router<BasicRequestContext>) {
        router.get("/api/overview") { _, _ in json { $0.overviewJSON } }
        router.get("/api/map") { request, _ in
            let (market, bps, buckets) = try mapQuery(request)
            return try jsonOrNotFound { views in
                guard let market = market ?? views.ledger.marketIDs.first,
                      let map = views.map(market: market, bucketBps: bps, buckets: buckets) else { return nil }
                return DashboardViews.json(map, seq: views.ledger.lastSeq)
            }
        }
        router.get("/api/auctions") { _, _ in json { $0.auctionsJSON } }
        router.get("/api/adl") { request, _ in
            let market = try marketQuery(request)
            return try jsonOrNotFound { views in (market ?? views.ledger.marketIDs.first).flatMap(views.adlJSON) }
        }
        router.get("/api/accounts/:id") { _, context in
            let id = try accountID(context.parameters.require("id"))
            return try jsonOrNotFound { views in views.ledger.account(id)?.json }
        }
        router.get("/api/liquidations/:seq") { _, context in
            let replay = try liquidation(context.parameters.require("seq"))
            return Self.text(JSONWriter.string(ReportJSON.json(replay, explanation: Explanation(replay))) + "\n", contentType: "application/json")
        }
    }

    // MARK: Pages

    private func html(_ title: String, active: String, status: HTTPResponse.Status = .ok, _ body: (DashboardViews) -> String) -> Response {
        let page = board.read { ledger, history, live in
            let views = DashboardViews(ledger: ledger, history: history, live: live)
            return Layout.page(title: title, board: .init(seq: ledger.lastSeq, timeMs: ledger.lastTimeMs, live: live),
                               active: active, body: body(views))
        }
        return Self.text(page, status: status, contentType: "text/html; charset=utf-8")
    }

    private func accountPage(_ text: String) throws -> Response {
        guard let id = try? AccountID(text) else {
            return html("Account \(text)", active: "", status: .notFound) { _ in AccountPage.notFound(text) }
        }
        let (view, seqs) = board.read { ledger, history, _ in (ledger.account(id), history.accountSeqs[id] ?? []) }
        guard let view else {
            return html("Account \(text)", active: "", status: .notFound) { _ in AccountPage.notFound(text) }
        }
        let records = try readRecords(seqs.suffix(100))
        return html("Account \(id.text)", active: "") { _ in AccountPage.body(view, records: records) }
    }

    private func readRecords(_ seqs: some Sequence<Seq>) throws -> [Record] {
        try log.read { reader in
            try seqs.compactMap { seq in try reader.record(seq).map { try RecordCodec.decode($0.bytes) } }
        }
    }

    private func liquidationPage(_ text: String) throws -> Response {
        let replay = try liquidation(text)
        return Self.text(ReportHTML.page(replay, explanation: Explanation(replay)), contentType: "text/html; charset=utf-8")
    }

    /// The audit's replay of the liquidation started at seq `text` (`solvent replay`), 404 when
    /// that seq is not a `liquidation.started` record.
    private func liquidation(_ text: String) throws -> LiquidationReplay {
        guard let seq = Seq(text), seq > 0 else { throw HTTPError(.notFound, message: "no liquidation \(text)") }
        let audit = AuditLog(log: log)
        guard case .liquidationStarted? = try audit.record(seq)?.event else {
            throw HTTPError(.notFound, message: "seq \(seq) is not a liquidation.started record")
        }
        return try LiquidationReplay.run(seq, in: audit)
    }

    // MARK: Live updates

    /// Server-sent events: `update` with the board's seq whenever it moves (at most every
    /// 250 ms per client), a comment every 15 s otherwise so a dead connection is noticed.
    private func events() -> Response {
        let stream = board.listen(heartbeat: .seconds(15))
        let metrics = self.metrics
        metrics.sseClients(board.listenerCount)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: .init { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            var sent: Seq?
            for await seq in stream {
                if seq == sent {
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                    continue
                }
                sent = seq
                try await writer.write(ByteBuffer(string: "event: update\ndata: {\"seq\":\(seq)}\n\n"))
                try await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: JSON

    private func json(_ body: (DashboardViews) -> JSONValue) -> Response {
        let value = board.read { body(DashboardViews(ledger: $0, history: $1, live: $2)) }
        return Self.text(JSONWriter.string(value) + "\n", contentType: "application/json")
    }

    private func jsonOrNotFound(_ body: (DashboardViews) -> JSONValue?) throws -> Response {
        guard let value = board.read({ body(DashboardViews(ledger: $0, history: $1, live: $2)) }) else {
            throw HTTPError(.notFound, message: "not found (an unknown account or market, or a market without a mark)")
        }
        return Self.text(JSONWriter.string(value) + "\n", contentType: "application/json")
    }

    // MARK: Queries

    private func marketQuery(_ request: Request) throws -> MarketID? {
        guard let text = request.uri.queryParameters.get("market"), !text.isEmpty else { return nil }
        do { return try MarketID(text) } catch { throw HTTPError(.badRequest, message: "market: \(error)") }
    }

    private func accountID(_ text: String) throws -> AccountID {
        do { return try AccountID(text) } catch { throw HTTPError(.notFound, message: "no account \(text): \(error)") }
    }

    static let maxBuckets = 200

    private func mapQuery(_ request: Request) throws -> (MarketID?, Int, Int) {
        let query = request.uri.queryParameters
        let bps = try query.get("bucket").map { text in
            guard let v = Int(text), (1...5_000).contains(v) else {
                throw HTTPError(.badRequest, message: "bucket: a width in basis points of the mark, 1 to 5000")
            }
            return v
        } ?? 100
        let buckets = try query.get("buckets").map { text in
            guard let v = Int(text), (1...Self.maxBuckets).contains(v) else {
                throw HTTPError(.badRequest, message: "buckets: 1 to \(Self.maxBuckets) per side")
            }
            return v
        } ?? 25
        return (try marketQuery(request), bps, buckets)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
