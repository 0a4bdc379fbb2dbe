import Foundation
import NIOCore
import NIOPosix
import Prometheus
import SolventCore
import SolventDaemon
import SolventServer
import SolventStore
import Testing

@Suite struct MetricsTests {
    @Test func aScrapeAfterAppendsShowsTheFigures() async throws {
        try await withTemporaryDirectory { directory in
            let registry = PrometheusCollectorRegistry()
            let metrics = SolventMetrics(factory: SolventMetrics.prometheusFactory(registry: registry))
            let socket = directory + "/solventd.sock"
            let server = try await SolventServer.start(
                listener: .path(socket), dataDirectory: directory + "/data", options: ServerOptions(observer: metrics))
            let endpoint = try await MetricsEndpoint.start(address: MetricsAddress("127.0.0.1:0")!, registry: registry)
            let lines = try scenario("liquidation")
            let replies = try await exchange(socket, lines.enumerated().map { appendRequest(key: "l\($0.offset)", event: $0.element) })
            #expect(replies.allSatisfy { $0["ok"] == .bool(true) })
            let text = try await httpGet(port: endpoint.port, path: "/metrics")
            await endpoint.close()
            try await server.shutdown()

            // Every record of the log, by kind, against the counters.
            var kinds: [String: Int] = [:]
            let log = try EventLog(directory: directory + "/data")
            try log.read { reader in
                try reader.forEach { kinds[try RecordCodec.decode($0.bytes).kind.name, default: 0] += 1; return true }
            }
            #expect(kinds["liquidation.started"] == 2)
            for (kind, count) in kinds {
                #expect(text.contains(#"solvent_events_appended_total{kind="\#(kind)"} \#(count)"#), "\(kind) \(count)")
            }
            #expect(text.contains(#"solvent_events_appended_total{kind="funding"} 0"#))
            #expect(text.contains("solvent_log_seq \(log.lastSeq)"))
            // Rules 2: the fund may still be unwinding the lot it took in carol's backstop.
            let figures = try Journal(directory: directory + "/data").ledger.engineFigures
            #expect(text.contains("solvent_auctions_active \(figures.runningAuctions)"))
            #expect(text.contains("solvent_liquidations_active 0"))
            #expect(text.contains("# TYPE solvent_commit_batch_requests histogram"))
            #expect(text.contains("# TYPE solvent_commit_duration_seconds histogram"))
            #expect(text.contains(#"solvent_commit_batch_requests_bucket{le="16384.0"}"#))
            let fund = try Journal(directory: directory + "/data").ledger.engineFigures.insuranceFund
            #expect(text.contains("solvent_insurance_fund \(Double(fund.raw) / 100_000_000)"), "fund \(fund)")
            #expect(text.contains("solvent_bad_debt 0.0"))
        }
    }

    @Test func otherPathsAreNotFound() async throws {
        let endpoint = try await MetricsEndpoint.start(address: MetricsAddress("127.0.0.1:0")!, registry: PrometheusCollectorRegistry())
        defer { Task { await endpoint.close() } }
        let reply = try await httpGet(port: endpoint.port, path: "/", statusLine: true)
        #expect(reply.hasPrefix("HTTP/1.1 404"))
    }
}

/// A plain HTTP/1.1 GET over a TCP socket; returns the body (or the status line).
func httpGet(port: Int, path: String, statusLine: Bool = false) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    let response = try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
        var text = ""
        for try await chunk in inbound { text += String(buffer: chunk) }
        return text
    }
    if statusLine { return String(response.prefix { $0 != "\r" }) }
    guard let split = response.range(of: "\r\n\r\n") else { throw TestSetupError("no HTTP body in \(response)") }
    return String(response[split.upperBound...])
}
