import SolventCore
import SolventServer
import SolventStore
import Testing

@Suite struct AppendProtocolTests {
    @Test func appendsAreAcknowledgedWithTheirSeqAndDerivedRecords() async throws {
        try await withTemporaryDirectory { directory in
            let replies = try await withServer(in: directory) { socket in
                let requests = try basicScenario().enumerated().map { appendRequest(key: "basic-\($0)", event: $1) }
                return try await exchange(socket, requests)
            }
            #expect(replies.count == 17)
            #expect(replies.allSatisfy { $0["ok"] == .bool(true) })
            #expect(replies.map { number($0["seq"]) } == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19].map { UInt64($0) })
            // Each withdrawal derives its verdict right after it: the first is beyond available.
            #expect(replies[12]["derived"] == .array([.object([
                JSONMember("seq", .number("14")), JSONMember("kind", .string("withdrawal.rejected")),
            ])]))
            #expect(replies[13]["derived"] == .array([.object([
                JSONMember("seq", .number("16")), JSONMember("kind", .string("withdrawal.accepted")),
            ])]))
            #expect(string(replies[0]["key"]) == "basic-0")
            try expectLogVerifies(directory + "/data", records: 19)
        }
    }

    @Test func theSameKeyAgainGetsTheIdenticalReplyAndIsLoggedOnce() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let scenario = try basicScenario()
                let setup = scenario.prefix(13).enumerated().map { appendRequest(key: "setup-\($0)", event: $1) }
                _ = try await exchange(socket, setup)
                let withdrawal = appendRequest(key: "retry-me", event: scenario[13])
                // Twice in one burst, then again on a new connection.
                let burst = try await exchangeLines(socket, [withdrawal, withdrawal])
                let retry = try await exchangeLines(socket, [withdrawal])
                #expect(burst[0] == burst[1])
                #expect(retry[0] == burst[0])
                #expect(burst[0] == #"{"key":"retry-me","ok":true,"seq":15,"derived":[{"seq":16,"kind":"withdrawal.accepted"}]}"#)
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                #expect(number(status[0]["seq"]) == 16)
            }
        }
    }

    /// A key sent again with another event is a client's bug, not a retry: `key_reused`, whether
    /// the first use is in the same burst (one group commit) or already in the log.
    @Test func aKeyReusedForAnotherEventIsRefusedInTheSameBurstAndLater() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let first = appendRequest(key: "k", event: deposit("alice", "100", ref: "d-1"))
                let other = appendRequest(key: "k", event: deposit("alice", "999", ref: "d-2"))
                let burst = try await exchange(socket, [first, other, first])
                try #require(burst.count == 3)
                #expect(number(burst[0]["seq"]) == 1)
                #expect(errorCode(burst[1]) == "key_reused")
                #expect(string(burst[1]["key"]) == "k")
                #expect(number(burst[2]["seq"]) == 1)
                let later = try await exchange(socket, [other])
                #expect(errorCode(later[0]) == "key_reused")
                let account = try await exchange(socket, [#"{"op":"account","account":"alice"}"#])
                #expect(string(account[0]["cash"]) == "100")
            }
            try expectLogVerifies(directory + "/data", records: 1)
        }
    }

    /// Keys are bytes (SPEC §7): "é" as one scalar and as "e" plus a combining accent are equal
    /// Swift strings but two keys, each appended once with its own seq.
    @Test func canonicallyEquivalentKeysInOneBurstAreTwoKeys() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, [
                    appendRequest(key: "\u{E9}", event: deposit("alice", "100", ref: "d-1")),
                    appendRequest(key: "e\u{301}", event: deposit("alice", "50", ref: "d-2")),
                ])
                #expect(replies.map { number($0["seq"]) } == [1, 2])
            }
            try expectLogVerifies(directory + "/data", records: 2)
        }
    }

    @Test func aBadRequestInAPipelinedBurstGetsItsOwnErrorAndTheRestCommitInOrder() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await exchange(socket, [
                    appendRequest(key: "a", event: deposit("alice", "100", ref: "d-a")),
                    #"{"op":"append","key":"broken","event":{"kind":"deposit""#,
                    appendRequest(key: "b", event: #"{"kind":"withdrawal","account":"nobody","amount":"1","ref":"w-1"}"#),
                    appendRequest(key: "c", event: #"{"kind":"deposit","account":"alice","amount":"-5","ref":"d-c"}"#),
                    #"{"op":"teleport"}"#,
                    appendRequest(key: "d", event: deposit("alice", "50", ref: "d-d")),
                    #"{"op":"status"}"#,
                    #"{"op":"account","account":"alice"}"#,
                ])
                try #require(replies.count == 8)
                #expect(number(replies[0]["seq"]) == 1)
                #expect(errorCode(replies[1]) == "bad_json")
                #expect(replies[1]["key"] == .null)
                #expect(replies[2]["ok"] == .bool(false))
                #expect(string(replies[2]["key"]) == "b")
                #expect(replies[3]["ok"] == .bool(false))
                #expect(string(replies[3]["error"]?["field"]) == "amount")
                #expect(errorCode(replies[4]) == "bad_op")
                #expect(number(replies[5]["seq"]) == 2)
                #expect(number(replies[6]["seq"]) == 2)
                #expect(string(replies[7]["account"]) == "alice")
                #expect(string(replies[7]["cash"]) == "150")
            }
            try expectLogVerifies(directory + "/data", records: 2)
        }
    }

    @Test func aThousandPipelinedAppendsAreAcknowledgedInSeqOrderAndTheLogVerifies() async throws {
        try await withTemporaryDirectory { directory in
            let replies = try await withServer(in: directory) { socket in
                try await exchange(socket, (0..<1000).map { appendRequest(key: "k\($0)", event: deposit("alice", "1", ref: "d-\($0)")) })
            }
            #expect(replies.count == 1000)
            #expect(replies.map { number($0["seq"]) } == (1...1000).map { UInt64($0) })
            #expect(replies.enumerated().allSatisfy { string($1["key"]) == "k\($0)" })
            try expectLogVerifies(directory + "/data", records: 1000)
        }
    }

    @Test func manyConnectionsAtOnceAreAllAcknowledged() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let seqs = try await withThrowingTaskGroup(of: [UInt64?].self) { group in
                    for client in 0..<8 {
                        group.addTask {
                            let requests = (0..<50).map { appendRequest(key: "c\(client)-\($0)", event: deposit("acct\(client)", "1", ref: "c\(client)-\($0)")) }
                            return try await exchange(socket, requests).map { number($0["seq"]) }
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(Set(seqs.compactMap { $0 }) == Set((1...400).map { UInt64($0) }))
            }
            try expectLogVerifies(directory + "/data", records: 400)
        }
    }

    @Test func restartingOnTheSameDirectoryKeepsEverythingAcknowledged() async throws {
        try await withTemporaryDirectory { directory in
            let requests = (0..<50).map { appendRequest(key: "k\($0)", event: deposit("alice", "2", ref: "d-\($0)")) }
            let first = try await withServer(in: directory) { socket in try await exchangeLines(socket, requests) }
            try await withServer(in: directory) { socket in
                #expect(try await exchangeLines(socket, requests) == first)
                let next = try await exchange(socket, [
                    appendRequest(key: "k50", event: deposit("alice", "2", ref: "d-50")),
                    #"{"op":"account","account":"alice"}"#,
                ])
                #expect(number(next[0]["seq"]) == 51)
                #expect(string(next[1]["cash"]) == "102")
            }
            try expectLogVerifies(directory + "/data", records: 51)
        }
    }

    @Test func retryOverANewConnectionGetsTheFirstAnswerWhetherItsKeyIsRecentOrFolded() async throws {
        try await withTemporaryDirectory { directory in
            let requests = (0..<10).map { appendRequest(key: "r\($0)", event: deposit("carol", "3", ref: "r-\($0)")) }
            let first = try await withServer(in: directory) { socket in
                let first = try await exchangeLines(socket, requests)
                // Still in a recent database: answered through the committer's map of them.
                #expect(try await exchangeLines(socket, requests) == first)
                return first
            }
            #expect(first.allSatisfy { $0.contains(#""ok":true"#) })
            // Folds them into `requests` (the server's policy would wait for 4,096 keys).
            do {
                let journal = try Journal(directory: directory + "/data", requestIndex: RequestIndexPolicy(foldAtKeys: 1, foldChunkKeys: 256, directBatchKeys: 256))
                let (_, event) = try RecordJSON.input(line: Array(deposit("carol", "1", ref: "fold").utf8), requireTime: false)
                try journal.append([JournalInput(time: testNowMs, event: event, key: "fold")])
            }
            try await withServer(in: directory) { socket in
                #expect(try await exchangeLines(socket, requests) == first)
                let fresh = [appendRequest(key: "r10", event: deposit("carol", "3", ref: "r-10"))]
                let answer = try await exchangeLines(socket, fresh)
                #expect(try await exchangeLines(socket, fresh) == answer)
                #expect(answer[0].contains(#""seq":12"#))
            }
            try expectLogVerifies(directory + "/data", records: 12)
        }
    }

    @Test func inputsWithoutTimeGetTheReceiptTimeNeverBeforeTheLogs() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let later = testNowMs + 5_000
                _ = try await exchange(socket, [
                    appendRequest(key: "late", event: #"{"kind":"deposit","time":\#(later),"account":"bob","amount":"1","ref":"late"}"#),
                    appendRequest(key: "stamped", event: deposit("bob", "1", ref: "stamped")),
                    #"{"op":"status"}"#,
                ])
            }
            let log = try EventLog(directory: directory + "/data")
            let times = try log.read { reader in try [1, 2].map { try RecordCodec.decode(try #require(try reader.record($0)).bytes).time } }
            #expect(times == [testNowMs + 5_000, testNowMs + 5_000])
        }
    }
}
