import Foundation
import NIOCore
import NIOPosix
import SolventCore
import SolventProtocol
@testable import SolventServer
import Testing

/// The committer hands all connections of one event loop their answers in one task on it
/// (`Outbox.send`); each connection still gets exactly its own replies in its own order.
@Suite struct SharedLoopTests {
    /// Records what it was handed, and on which thread kind.
    private final class Recorder: ReplyTarget, @unchecked Sendable {
        let loop: (any EventLoop)?
        private(set) var received: [UInt64] = []
        private(set) var onLoop: [Bool] = []

        init(loop: (any EventLoop)?) { self.loop = loop }

        var eventLoop: (any EventLoop)? { loop }

        func deliver(_ responses: [IndexedResponse]) {
            received += responses.map(\.index)
            onLoop.append(loop?.inEventLoop ?? false)
        }

        func deliverOnLoop(_ responses: [IndexedResponse]) {
            loop?.preconditionInEventLoop()
            deliver(responses)
        }
    }

    @Test func targetsOnALoopAreAnsweredOnItAndOthersAtOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let first = Recorder(loop: loop), second = Recorder(loop: loop), direct = Recorder(loop: nil)
        var outbox = Outbox()
        let answer = Response.ticked(true)
        for (index, target) in [(0, first), (0, second), (1, first), (0, direct), (1, second), (2, first)] as [(UInt64, Recorder)] {
            outbox.add(answer, index: index, target: target)
        }
        #expect(outbox.connections == 3)
        // The loop is held busy, so nothing sent to it can have run when `send` returns.
        let held = DispatchSemaphore(value: 0)
        loop.execute { held.wait() }
        outbox.send()
        #expect(direct.received == [0])
        #expect(direct.onLoop == [false])
        held.signal()
        try await loop.submit {
            #expect(first.received == [0, 1, 2])
            #expect(second.received == [0, 1])
            #expect(first.onLoop == [true] && second.onLoop == [true])  // One hand-over each, on the loop.
        }.get()
        try await group.shutdownGracefully()
    }

    @Test func connectionsSharingOneLoopEachGetTheirRepliesInTheirOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await withTemporaryDirectory { directory in
            try await withRunningServer(in: directory, eventLoopGroup: group) { _, socket in
                let perConnection = 120
                let keys = try await withThrowingTaskGroup(of: [String].self) { tasks in
                    for connection in 0..<6 {
                        tasks.addTask {
                            let lines = (0..<perConnection).map {
                                appendRequest(key: "c\(connection)-\($0)", event: deposit("acct\(connection)", "1", ref: "c\(connection)-\($0)"))
                            }
                            return try await LineClient.withConnection(socketPath: socket) { client in
                                // Sent in odd-sized pieces, so that lines straddle the server's reads.
                                let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
                                var offset = 0
                                while offset < bytes.count {
                                    let end = min(bytes.count, offset + 37 + connection * 13)
                                    try await client.send(raw: Array(bytes[offset..<end]))
                                    offset = end
                                }
                                var replies: [JSONValue] = []
                                while replies.count < perConnection, let line = try await client.receive() {
                                    replies.append(try JSONParser.parse(line))
                                }
                                let seqs = replies.compactMap { number($0["seq"]) }
                                #expect(seqs.count == perConnection)
                                #expect(seqs == seqs.sorted())  // Appended in this connection's order.
                                return replies.compactMap { string($0["key"]) }
                            }
                        }
                    }
                    return try await tasks.reduce(into: [[String]]()) { $0.append($1) }
                }
                #expect(keys.count == 6)
                for connectionKeys in keys {
                    let prefix = String(connectionKeys.first?.split(separator: "-").first ?? "")
                    #expect(connectionKeys == (0..<perConnection).map { "\(prefix)-\($0)" })
                }
            }
            try expectLogVerifies(directory + "/data", records: 720)
        }
        try await group.shutdownGracefully()
    }
}
