import Foundation
import NIOCore
import SolventBench
import SolventCore
import SolventServer
import Testing

/// The load clients of `bench ingest`'s 64-client figure, against a real server: every request
/// answered once and timed, in order per client, and a daemon that is not there is an error.
@Suite struct PollClientsTests {
    private static func requests(client: Int, count: Int) -> PollClients.Requests {
        var bytes = ByteBuffer()
        var ends: [Int] = []
        for index in 0..<count {
            bytes.writeString(appendRequest(key: "p\(client)-\(index)", event: deposit("acct\(client)", "1", ref: "p\(client)-\(index)")) + "\n")
            ends.append(bytes.readableBytes)
        }
        return PollClients.Requests(LoadClient.Requests(bytes: bytes, ends: ends))
    }

    @Test func everyRequestOfEveryClientIsAnsweredAndTimed() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let perClient = (0..<4).map { Self.requests(client: $0, count: 5) }
                let result = try PollClients.run(socketPath: socket, requests: perClient)
                #expect(result.replies == 20)
                #expect(result.latenciesNs.count == 20)
                #expect(result.latenciesNs.allSatisfy { $0 > 0 })
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                #expect(number(status[0]["seq"]) == 20)
            }
        }
    }

    @Test func noDaemonIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: PollClients.Failure.self) {
                try PollClients.run(socketPath: directory + "/absent.sock", requests: [Self.requests(client: 0, count: 1)])
            }
        }
    }
}
