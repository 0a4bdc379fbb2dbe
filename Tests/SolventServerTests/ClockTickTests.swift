import Foundation
import SolventCore
import SolventProtocol
import SolventServer
import SolventStore
import Testing

@Suite struct ClockTickTests {
    @Test func aTickIsAppendedOnlyWhileTheEngineHasSomethingTimeCanMove() async throws {
        try await withTemporaryDirectory { directory in
            let socket = directory + "/solventd.sock"
            let server = try await SolventServer.start(listener: .path(socket), dataDirectory: directory + "/data", nowMs: { testNowMs })
            // Listings and deposits only: no position anywhere, so a tick would derive nothing.
            let setup = try basicScenario().prefix { !$0.contains(#""kind":"trade""#) }
            let replies = try await exchange(socket, setup.enumerated().map { appendRequest(key: "s\($0.offset)", event: $0.element) })
            #expect(replies.allSatisfy { $0["ok"] == .bool(true) })
            let idle = await server.answer(.clockTick)
            #expect(idle == .ticked(false))
            #expect(Reply.line(idle) == "clock skipped")
            #expect(await server.committedSeq() == Seq(UInt64(setup.count)))
            // A trade opens positions: from now on a stale price could halt the market.
            let trade = try basicScenario().first { $0.contains(#""kind":"trade""#) }!
            _ = try await exchange(socket, [appendRequest(key: "t", event: trade)])
            let ticked = await server.answer(.clockTick)
            #expect(ticked == .ticked(true))
            try await server.shutdown()
            let log = try EventLog(directory: directory + "/data")
            var clocks: [Record] = []
            try log.read { reader in
                try reader.forEach { stored in
                    let record = try RecordCodec.decode(stored.bytes)
                    if record.kind == .clock { clocks.append(record) }
                    return true
                }
            }
            #expect(clocks.count == 1)
            #expect(clocks.first?.seq == Seq(UInt64(setup.count) + 2))  // right after the trade
            #expect(clocks.first?.time == testNowMs)
            try expectLogVerifies(directory + "/data", records: log.lastSeq.rawValue)
        }
    }
}
