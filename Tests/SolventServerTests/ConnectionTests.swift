import SolventCore
import SolventProtocol
import Testing

@Suite struct ConnectionTests {
    @Test func anOversizedLineIsRefusedAndItsConnectionClosedWhileOthersGoOn() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let reply = try await LineClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: Array(#"{"op":"status"}"#.utf8) + [0x0A])
                    _ = try await client.receive()
                    try await client.send(raw: [UInt8](repeating: UInt8(ascii: "x"), count: Request.maxLineBytes + 10_000))
                    let refusal = try await client.receive()
                    #expect(try await client.receive() == nil)
                    return refusal
                }
                let refusal = try JSONParser.parse(try #require(reply))
                #expect(errorCode(refusal) == "line_too_long")
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                #expect(status[0]["ok"] == .bool(true))
                // The log's engine rules, so a client prices with that log's defaults.
                #expect(status[0]["rules"] == .number(String(RulesVersion.current.rawValue)))
            }
        }
    }

    @Test func aHalfClosedClientGetsEveryReplyIncludingAnUnterminatedLastLine() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await LineClient.withConnection(socketPath: socket) { client in
                    let lines = (0..<20).map { appendRequest(key: "h\($0)", event: deposit("alice", "1", ref: "h\($0)")) }
                    try await client.send(raw: Array(lines.joined(separator: "\n").utf8))  // No final newline.
                    client.finishSending()
                    var replies: [String] = []
                    while let reply = try await client.receive() { replies.append(reply) }
                    return replies
                }
                #expect(replies.count == 20)
                #expect(try replies.map { number(try JSONParser.parse($0)["seq"]) } == (1...20).map { UInt64($0) })
            }
        }
    }

    @Test func statusReportsTheHeadOfTheLog() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                // A query is answered after the appends committed with it, so the first stands alone.
                let replies = try await exchange(socket, [#"{"op":"status"}"#])
                    + exchange(socket, [appendRequest(key: "a", event: deposit("alice", "1", ref: "a")), #"{"op":"status"}"#])
                #expect(number(replies[0]["seq"]) == 0)
                #expect(string(replies[0]["head"]) == String(repeating: "0", count: 64))
                #expect(number(replies[2]["seq"]) == 1)
                #expect(number(replies[2]["time"]) == UInt64(testNowMs.rawValue))
                #expect(string(replies[2]["head"])?.utf8.count == 64)
                #expect(string(replies[2]["head"]) != string(replies[0]["head"]))
            }
        }
    }

    @Test func anUnknownAccountIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, [#"{"op":"account","account":"ghost"}"#, #"{"op":"account","account":"bad id!"}"#])
                #expect(errorCode(replies[0]) == "unknown_account")
                #expect(errorCode(replies[1]) == "bad_id")
            }
        }
    }
}

@Suite struct MisbehavingConnectionTests {
    /// Malformed JSON, an unknown op, an oversized line and a half-closed socket, each on its own
    /// connection, while a well-behaved client pipelines appends: each gets its clear error and
    /// the good client all its acknowledgements.
    @Test func eachBadConnectionGetsItsErrorWhileAGoodOneGoesOn() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                async let good = exchange(socket, (0..<2_000).map { appendRequest(key: "g\($0)", event: deposit("alice", "1", ref: "g\($0)")) })
                let malformed = try await exchange(socket, [#"{"op":"append","key":"m","event":{"kind":"deposit","#, #"[1,2]"#, "\u{1}"])
                #expect(malformed.map(errorCode) == ["bad_json", "bad_json", "bad_json"])
                let unknown = try await exchange(socket, [#"{"op":"delete","key":"x"}"#, #"{"key":"x"}"#])
                #expect(unknown.map(errorCode) == ["bad_op", "bad_op"])
                let oversized = try await LineClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: [UInt8](repeating: UInt8(ascii: "{"), count: Request.maxLineBytes + 2))
                    return (try await client.receive(), try await client.receive())
                }
                #expect(errorCode(try JSONParser.parse(try #require(oversized.0))) == "line_too_long")
                #expect(oversized.1 == nil)
                let halfClosed = try await LineClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: Array(#"{"op":"status"}"#.utf8))
                    client.finishSending()
                    return (try await client.receive(), try await client.receive())
                }
                #expect(try JSONParser.parse(try #require(halfClosed.0))["ok"] == .bool(true))
                #expect(halfClosed.1 == nil)
                let goodReplies = try await good
                #expect(goodReplies.count == 2_000 && goodReplies.allSatisfy { $0["ok"] == .bool(true) })
            }
            try expectLogVerifies(directory + "/data", records: 2_000)
        }
    }
}
