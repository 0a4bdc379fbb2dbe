import NIOPosix
import SolventCore
import SolventProtocol
import Testing

@Suite struct SubscriptionTests {
    /// Reads record lines until one with seq `lastSeq` (or the connection ends).
    static func readRecords(_ client: LineClient, through lastSeq: UInt64) async throws -> [String] {
        var lines: [String] = []
        while let line = try await client.receive() {
            lines.append(line)
            if number(try JSONParser.parse(line)["seq"]) == lastSeq { break }
        }
        return lines
    }

    static func subscribe(_ client: LineClient, _ request: String) async throws {
        try await client.send(raw: Array(request.utf8) + [0x0A])
    }

    @Test func catchUpHandsOverToLiveWithoutGapOrDuplicateWhileAWriterCommits() async throws {
        try await withTemporaryDirectory { directory in
            let total: UInt64 = 1_500
            let lines = try await withServer(in: directory) { socket in
                _ = try await exchange(socket, (0..<500).map { appendRequest(key: "early-\($0)", event: deposit("alice", "1", ref: "e\($0)")) })
                // The writer keeps committing while the subscriber catches up from seq 1.
                async let writer: Void = {
                    for chunk in 0..<10 {
                        let requests = (0..<100).map { appendRequest(key: "live-\(chunk)-\($0)", event: deposit("bob", "1", ref: "l\(chunk)-\($0)")) }
                        _ = try await exchange(socket, requests)
                    }
                }()
                let received = try await LineClient.withConnection(socketPath: socket) { client in
                    try await Self.subscribe(client, #"{"op":"subscribe","from":1}"#)
                    return try await Self.readRecords(client, through: total)
                }
                try await writer
                return received
            }
            let seqs = try lines.map { number(try JSONParser.parse($0)["seq"]) }
            #expect(seqs == (1...total).map { Optional($0) })
            // Byte for byte what `solvent log --json` prints.
            #expect(lines == (try logLines(directory + "/data")))
        }
    }

    @Test func kindPatternsSelectRecordsInCatchUpAndLive() async throws {
        try await withTemporaryDirectory { directory in
            let events = try scenario("liquidation")
            let received = try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, events.enumerated().map { appendRequest(key: "liq-\($0)", event: $1) })
                #expect(replies.allSatisfy { $0["ok"] == .bool(true) })
                return try await LineClient.withConnection(socketPath: socket) { client in
                    try await Self.subscribe(client, #"{"op":"subscribe","from":1,"kinds":["auction.*","deposit"]}"#)
                    // Live: a withdrawal (not selected, nor its verdict), then a deposit (selected).
                    let live = try await exchange(socket, [
                        appendRequest(key: "live-wd", event: #"{"kind":"withdrawal","account":"bob","amount":"1","ref":"live-wd"}"#),
                        appendRequest(key: "live-dep", event: deposit("carol", "5", ref: "live-dep")),
                    ])
                    return try await Self.readRecords(client, through: try #require(number(live[1]["seq"])))
                }
            }
            let selected = try logLines(directory + "/data").filter { line in
                let kind = string(try JSONParser.parse(line)["kind"]) ?? ""
                return kind.hasPrefix("auction.") || kind == "deposit"
            }
            #expect(selected.contains { $0.contains(#""kind":"auction.fill""#) })
            #expect(received == selected)
            #expect(received.last?.contains(#""ref":"live-dep""#) == true)
        }
    }

    @Test func aSlowSubscriberIsToldAndDisconnectedWhileTheWriterKeepsCommitting() async throws {
        try await withTemporaryDirectory { directory in
            // On NIO's singleton group and at modest load: with its own group and 6,000 records,
            // the crash drill running beside it in the full suite failed to see solventd serve
            // (three runs in a row; the cause is not found yet, see the stream branch's notes).
            try await withRunningServer(in: directory, subscriberBacklogRecords: 64,
                                        eventLoopGroup: MultiThreadedEventLoopGroup.singleton) { server, socket in
                try await LineClient.withConnection(socketPath: socket) { slow in
                    try await Self.subscribe(slow, #"{"op":"subscribe"}"#)
                    #expect(try await eventually { server.subscriberCount == 1 })
                    // The subscriber reads nothing while 3,000 records commit: more than the
                    // socket buffers hold, so its backlog passes the bound.
                    for chunk in 0..<30 {
                        let requests = (0..<100).map { appendRequest(key: "w\(chunk)-\($0)", event: deposit("alice", "1", ref: "w\(chunk)-\($0)")) }
                        let replies = try await exchange(socket, requests)
                        #expect(replies.count == 100 && replies.allSatisfy { $0["ok"] == .bool(true) })
                    }
                    var records: [UInt64] = []
                    var last: JSONValue?
                    while let line = try await slow.receive() {
                        let json = try JSONParser.parse(line)
                        if let seq = number(json["seq"]) { records.append(seq) } else { last = json }
                    }
                    #expect(errorCode(try #require(last)) == "slow_subscriber")
                    #expect(records.count < 3_000)
                    #expect(records == (0..<UInt64(records.count)).map { $0 + 1 })  // In order, then cut.
                }
                #expect(try await eventually { server.subscriberCount == 0 })
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                #expect(number(status[0]["seq"]) == 3_000)
            }
        }
    }

    @Test func badSubscriptionsAreRefusedAndTheConnectionGoesOn() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, [
                    #"{"op":"subscribe","kinds":["liquidation.*","nonsense.*"]}"#,
                    #"{"op":"subscribe","from":0}"#,
                    #"{"op":"subscribe","kinds":"auction.*"}"#,
                    #"{"op":"status"}"#,
                ])
                #expect(replies.map(errorCode) == ["bad_kind", "bad_from", "bad_kind", nil])
                #expect(string(replies[0]["error"]?["field"]) == "kinds")
            }
        }
    }

    @Test func repliesBeforeASubscribeComeFirstThenOnlyRecords() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let lines = try await LineClient.withConnection(socketPath: socket) { client in
                    let requests = [
                        appendRequest(key: "a", event: deposit("alice", "1", ref: "a")),
                        appendRequest(key: "b", event: deposit("alice", "2", ref: "b")),
                        #"{"op":"subscribe","from":1,"kinds":["deposit"]}"#,
                    ]
                    try await client.send(raw: Array(requests.joined(separator: "\n").utf8) + [0x0A])
                    return [try await client.receive(), try await client.receive(), try await client.receive(), try await client.receive()]
                }
                let parsed = try lines.map { try JSONParser.parse(try #require($0)) }
                #expect(parsed.map { string($0["key"]) } == ["a", "b", nil, nil])
                #expect(parsed.map { number($0["seq"]) } == [1, 2, 1, 2])
                #expect(string(parsed[2]["kind"]) == "deposit")
            }
        }
    }
}
