import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import SolventBench
import SolventCore
import SolventProtocol
import SolventStore
import Synchronization
import Testing
@testable import SolventDashboard

/// 50 browsers' worth of server-sent-event clients on a dashboard following a real `solventd`
/// while a feeder sends prices at demo speed: every append is acknowledged (the dashboard is one
/// subscriber of the daemon however many pages it serves), the dashboard reaches the daemon's
/// head, and every client's last event names it.
@Suite(.serialized) struct SSELoadTests {
    static let clients = 50

    @Test func fiftyEventStreamsDoNotHoldBackTheDaemon() async throws {
        try await withTemporaryDirectory { directory in
            let live = try await LiveDaemon.start(in: directory)
            defer { live.daemon.signal(SIGKILL) }
            let dashboard = try dashboard(live.data, socket: live.socket)
            let (server, httpPort) = try await serve(dashboard)
            defer { server.cancel() }

            let streams = (0..<Self.clients).map { _ in EventStreamClient(port: httpPort) }
            let readers = streams.map { client in Task { try await client.run() } }
            _ = try await wait("\(Self.clients) event streams", timeout: .seconds(20)) {
                dashboard.board.listenerCount >= Self.clients ? true : nil
            }
            // Demo speed: a price every 10 ms for 3 s, each its own request, as a feeder sends them.
            var head: Seq = 0
            for step in 0..<300 {
                let price = 10_000 + (step % 40) * 5
                let event = #"{"kind":"oracle.price","time":\#(1_700_000_010_000 + step * 100),"market":"BTC-PERP","price":"\#(price)","publishTime":\#(1_700_000_010_000 + step * 100)}"#
                let reply = try await LineClient.withConnection(socketPath: live.socket) {
                    try await $0.exchange([#"{"op":"append","key":"p-\#(step)","event":\#(event)}"#])
                }
                let json = try JSONParser.parse(try #require(reply.first))
                #expect(json["ok"] == .bool(true), "\(reply)")
                if case .number(let text)? = json["seq"], let seq = Seq(text) { head = max(head, seq) }
                try await Task.sleep(for: .milliseconds(10))
            }
            _ = try await wait("the dashboard at the daemon's head \(head)") { dashboard.board.lastSeqSeen >= head ? true : nil }
            _ = try await wait("every stream's last event at the head", timeout: .seconds(10)) {
                streams.allSatisfy { $0.lastSeq >= head } ? true : nil
            }
            for client in streams { #expect(client.events >= 2, "each stream saw the feed move") }
            for reader in readers { reader.cancel() }
        }
    }
}

/// A bare HTTP/1.1 client of `/events` that counts `update` events and keeps the last seq.
final class EventStreamClient: Sendable {
    let port: Int
    private let state = Mutex<(events: Int, lastSeq: Seq, text: String)>((0, 0, ""))

    init(port: Int) { self.port = port }

    var events: Int { state.withLock { $0.events } }
    var lastSeq: Seq { state.withLock { $0.lastSeq } }

    func run() async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"))
            for try await buffer in inbound { take(String(buffer: buffer)) }
        }
    }

    /// Finds `data: {"seq":N}` lines (chunked encoding wraps them, never splits a line's meaning).
    private func take(_ text: String) {
        state.withLock { state in
            state.text += text
            while let end = state.text.range(of: "\n") {
                let line = state.text[..<end.lowerBound]
                if line.hasPrefix("data: {\"seq\":"), let seq = Seq(String(line.dropFirst("data: {\"seq\":".count).dropLast())) {
                    state.events += 1
                    state.lastSeq = max(state.lastSeq, seq)
                }
                state.text.removeSubrange(..<end.upperBound)
            }
        }
    }
}
