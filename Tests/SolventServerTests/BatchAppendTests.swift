import Foundation
import NIOCore
import SolventCore
import SolventProtocol
import SolventStore
import Testing

/// Batch appends (issue 24, docs/PROTOCOL.md "Batches"): one key, one durable commit, each
/// event its own result, and a retry of the key answered with the same reply.
@Suite struct BatchAppendTests {
    static func deposit(_ account: String, _ amount: String, time: Int64) -> String {
        #"{"kind":"deposit","time":\#(time),"account":"\#(account)","amount":"\#(amount)","ref":"r-\#(account)-\#(amount)"}"#
    }

    static func batch(_ key: String, _ events: [String]) -> String {
        #"{"op":"append","key":"\#(key)","events":[\#(events.joined(separator: ","))]}"#
    }

    /// Accepted, unreadable (a negative amount), refused by the log (a time before the batch's
    /// first event), accepted: in the batch's order, each with its own result.
    static let mixed = [
        deposit("alice", "100", time: 1_700_000_000_000),
        deposit("bob", "-5", time: 1_700_000_000_000),
        deposit("carol", "7", time: 1_600_000_000_000),
        deposit("dave", "9", time: 1_700_000_000_001),
    ]

    @Test func eachEventHasItsOwnResultInOrderAndARefusedOneRefusesNoOther() async throws {
        try await withTemporaryDirectory { directory in
            let replies = try await withServer(in: directory) { socket in try await exchange(socket, [Self.batch("b1", Self.mixed)]) }
            let reply = try #require(replies.first)
            #expect(reply["ok"] == .bool(true))
            #expect(string(reply["key"]) == "b1")
            guard case .array(let results)? = reply["results"] else { Issue.record("no results: \(reply)"); return }
            #expect(results.count == 4)
            #expect(results[0]["ok"] == .bool(true) && number(results[0]["seq"]) == 1)
            #expect(results[1]["ok"] == .bool(false) && errorCode(results[1]) != nil)
            #expect(results[2]["ok"] == .bool(false) && errorCode(results[2]) == "time_regression")
            #expect(results[3]["ok"] == .bool(true) && number(results[3]["seq"]) == 2)
            let records = try logLines(directory + "/data")
            #expect(records.count == 2)
            #expect(records[0].contains("alice") && records[1].contains("dave"))
        }
    }

    /// The same key over a new connection, after a restart even: the same reply, byte for byte,
    /// refusals included, and nothing logged twice.
    @Test func aRetryOfTheKeyGetsTheSameReplyAndLogsNothingTwice() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await withServer(in: directory) { socket in try await exchangeLines(socket, [Self.batch("b1", Self.mixed)]) }
            let (again, overNewConnection) = try await withServer(in: directory) { socket in
                let again = try await exchangeLines(socket, [Self.batch("b1", Self.mixed)])
                return (again, try await exchangeLines(socket, [Self.batch("b1", Self.mixed)]))
            }
            #expect(first.count == 1 && again == first && overNewConnection == first)
            #expect(try logLines(directory + "/data").count == 2)
        }
    }

    /// A refusal that names what the client sent (an unknown field of 300 bytes, in letters of
    /// many combining marks) is kept within the receipt's lengths, and the retry's reply is the
    /// first's: the writer does not trap on it.
    @Test func aRefusalNamingALongFieldIsKeptWithinTheReceipt() async throws {
        let longName = String(repeating: "a\u{301}\u{301}\u{301}", count: 60)  // 60 characters, 420 bytes
        let odd = #"{"kind":"deposit","time":1700000000000,"account":"zed","amount":"1","ref":"z","\#(longName)":1}"#
        let events = [odd, Self.deposit("alice", "100", time: 1_700_000_000_000)]
        try await withTemporaryDirectory { directory in
            let (first, again) = try await withServer(in: directory) { socket in
                (try await exchangeLines(socket, [Self.batch("long", events)]), try await exchangeLines(socket, [Self.batch("long", events)]))
            }
            let reply = try JSONParser.parse(try #require(first.first))
            guard case .array(let results)? = reply["results"] else { Issue.record("no results: \(first)"); return }
            #expect(errorCode(results[0]) == "unknown_field")
            #expect(results[1]["ok"] == .bool(true))
            #expect((string(results[0]["error"]?["field"]) ?? "").utf8.count <= 240)
            #expect(again == first)
        }
    }

    @Test func aKeyReusedForAnotherBatchOrASingleAppendIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let replies = try await withServer(in: directory) { socket in
                try await exchange(socket, [
                    Self.batch("b1", [Self.deposit("alice", "100", time: 1_700_000_000_000)]),
                    Self.batch("b1", [Self.deposit("alice", "101", time: 1_700_000_000_000)]),
                    appendRequest(key: "b1", event: Self.deposit("alice", "100", time: 1_700_000_000_000)),
                ])
            }
            #expect(replies.count == 3)
            #expect(replies[0]["ok"] == .bool(true))
            #expect(errorCode(replies[1]) == "key_reused")
            #expect(errorCode(replies[2]) == "key_reused")
            #expect(try logLines(directory + "/data").count == 1)
        }
    }

    @Test func aBatchOverTheMaximumOrEmptyIsRefusedWholeAndNamed() async throws {
        try await withTemporaryDirectory { directory in
            let tooMany = [String](repeating: Self.deposit("alice", "1", time: 1_700_000_000_000), count: BatchLimits.maxEvents + 1)
            let replies = try await withServer(in: directory) { socket in
                try await exchange(socket, [Self.batch("big", tooMany), Self.batch("none", [])])
            }
            #expect(errorCode(replies[0]) == "batch_too_large")
            #expect(string(replies[0]["error"]?["field"]) == "events")
            #expect(string(replies[0]["key"]) == "big")
            #expect(errorCode(replies[1]) == "empty_batch")
            #expect(try logLines(directory + "/data").isEmpty)
        }
    }

    /// A batch that appends nothing stores no key: sent again, it is a new request.
    @Test func aBatchOfOnlyRefusedEventsStoresNoKey() async throws {
        try await withTemporaryDirectory { directory in
            let replies = try await withServer(in: directory) { socket in
                try await exchange(socket, [Self.batch("b0", [Self.deposit("bob", "-5", time: 1_700_000_000_000)]),
                                            appendRequest(key: "b0", event: Self.deposit("alice", "1", time: 1_700_000_000_000))])
            }
            guard case .array(let results)? = replies[0]["results"] else { Issue.record("no results"); return }
            #expect(results.count == 1 && results[0]["ok"] == .bool(false))
            #expect(replies[1]["ok"] == .bool(true))
        }
    }

    /// The same events as binary frames and as NDJSON lines make the same log, and the binary
    /// reply carries the same results.
    @Test func binaryAndNDJSONBatchesMakeIdenticalLogs() async throws {
        // The unreadable event (index 1) has no binary encoding: the frames carry the other three.
        let events = try [Self.mixed[0], Self.mixed[2], Self.mixed[3]].map { try RecordJSON.input(line: Array($0.utf8), requireTime: false) }
        try await withTemporaryDirectory { lines in
            try await withTemporaryDirectory { frames in
                _ = try await withServer(in: lines) { socket in try await exchange(socket, [Self.batch("b1", Self.mixed)]) }
                let reply = try await withServer(in: frames) { socket in
                    try await FrameClient.withConnection(socketPath: socket) { client in
                        try await client.exchangeBatch(key: "b1", items: events.map { ($0.time, $0.event) })
                    }
                }
                let results = try #require(reply)
                #expect(results.count == 3)
                #expect(results[0] == .appended(seq: 1, derivedCount: 0))
                if case .refused(let code, _, _) = results[1] { #expect(code == "time_regression") } else { Issue.record("\(results[1])") }
                #expect(results[2] == .appended(seq: 2, derivedCount: 0))
                #expect(try logLines(lines + "/data") == logLines(frames + "/data"))
            }
        }
    }
}

/// The batch's fast scan reads what the tree path reads, and leaves everything else to it.
@Suite struct ScannedBatchTests {
    static func scanned(_ line: String) -> Request? {
        var scratch = Request.ScanScratch()
        return Array(line.utf8).withUnsafeBufferPointer { Request.scannedBatch($0, scratch: &scratch) }
    }

    static func parts(_ request: Request?) -> (String, [BatchItem])? {
        guard case .appendBatch(let key, let items)? = request else { return nil }
        return (key, items)
    }

    @Test func aPlainBatchScansAsTheTreeReadsIt() throws {
        let events = [BatchAppendTests.deposit("alice", "100", time: 1_700_000_000_000),
                      #"{"kind":"oracle.price","market":"BTC-PERP","price":"20000.5","publishTime":7}"#,
                      BatchAppendTests.deposit("dave", "9", time: 1_700_000_000_001)]
        for line in [BatchAppendTests.batch("b1", events), #"{"events":[\#(events[1])], "key":"k2", "op":"append"}"#] {
            let fast = try #require(Self.parts(Self.scanned(line)), "not scanned: \(line)")
            let tree = try #require(Self.parts(try Request.parseTree(line: Array(line.utf8))))
            #expect(fast.0 == tree.0)
            #expect(fast.1 == tree.1)
        }
    }

    /// Unreadable events, escapes, a second array, `event` beside `events`, no events: the tree
    /// path's, which words each refusal.
    @Test func anythingElseIsLeftToTheTree() {
        for line in [BatchAppendTests.batch("b1", BatchAppendTests.mixed),
                     BatchAppendTests.batch("b\\u0031", [BatchAppendTests.deposit("a", "1", time: 1)]),
                     #"{"op":"append","key":"k","events":[{"kind":"deposit","account":"a","amount":"1","ref":"r"}],"x":[]}"#,
                     #"{"op":"append","key":"k","event":{"kind":"deposit","account":"a","amount":"1","ref":"r"},"events":[{"kind":"deposit","account":"a","amount":"1","ref":"r"}]}"#,
                     #"{"op":"append","key":"k","events":[]}"#,
                     #"{"op":"append","key":"k","events":[{"kind":"deposit","account":"a","amount":"1","ref":"r"},]}"#] {
            #expect(Self.scanned(line) == nil, "scanned: \(line)")
        }
    }
}

/// The batch reply written directly is the JSON writer's line, byte for byte.
@Suite struct BatchReplyTests {
    @Test func theDirectWriterWritesTheTreesLine() {
        let results: [BatchResult] = [
            .appended(seq: 17, derived: []),
            .refused(InputError(code: "bad_amount", field: "amount", message: "must be \"positive\"")),
            .appended(seq: 18, derived: [DerivedRef(seq: 19, kind: .marginCall)]),
            .appended(seq: 12_345_678_901, derived: []),
        ]
        var buffer = ByteBuffer()
        Reply.write(.batchAppended(key: "gw-1", results: results), into: &buffer)
        #expect(String(buffer: buffer) == Reply.batch(key: "gw-1", results) + "\n")
        #expect(String(buffer: buffer).hasPrefix(#"{"key":"gw-1","ok":true,"results":[{"ok":true,"seq":17,"derived":[]},{"ok":false,"#))
    }
}
