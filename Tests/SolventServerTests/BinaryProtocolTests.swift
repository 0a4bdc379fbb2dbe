import NIOCore
import SolventCore
import SolventProtocol
import Testing

@Suite struct BinaryProtocolTests {
    /// The example of docs/FORMAT.md "Binary wire frames", byte for byte, and back.
    @Test func anAppendFrameIsTheDocumentedBytes() throws {
        var deposit = Deposit()
        deposit.account = AccountID(valid: "alice")
        deposit.amount = Money(raw: 10_050_000_000)
        deposit.ref = Identifier(valid: "d1")
        var buffer = ByteBuffer()
        BinaryProtocol.appendFrame(key: "k1", time: nil, event: .deposit(deposit), into: &buffer)
        let expected: [UInt8] = [0, 0, 0, 0x18, 0x01, 0x02, 0x6B, 0x31, 0x00, 0x03, 0x05, 0x61, 0x6C, 0x69, 0x63, 0x65,
                                 0, 0, 0, 0x02, 0x57, 0x06, 0xD4, 0x80, 0x01, 0x02, 0x64, 0x31]
        #expect(Array(buffer.readableBytesView) == expected)
        let body = buffer.getSlice(at: 4, length: buffer.readableBytes - 4)!
        guard case .append(let key, let time, let event) = try BinaryProtocol.request(body: body) else {
            Issue.record("not an append")
            return
        }
        #expect(key == "k1" && time == nil && event == .deposit(deposit))
    }

    static func appends(_ lines: [String], prefix: String) throws -> [FrameClient.Append] {
        try lines.enumerated().map { index, line in
            let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: false)
            return FrameClient.Append(key: "\(prefix)-\(index)", time: time, event: event)
        }
    }

    @Test func framesAppendLikeNDJSONAndARetryOnANewConnectionGetsTheSameReply() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let appends = try Self.appends(try basicScenario(), prefix: "bin")
                let replies = try await FrameClient.withConnection(socketPath: socket) { try await $0.exchange(appends) }
                let seqs: [Seq] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19]
                #expect(replies == seqs.enumerated().map { index, seq in
                    .appended(seq: seq, derivedCount: index == 12 || index == 13 ? 1 : 0)
                })
                let retry = try await FrameClient.withConnection(socketPath: socket) { try await $0.exchange([appends[13]]) }
                #expect(retry == [.appended(seq: 15, derivedCount: 1)])
                // The same key over NDJSON is the same append too.
                let line = try await exchange(socket, [appendRequest(key: "bin-13", event: try basicScenario()[13])])
                #expect(number(line[0]["seq"]) == 15)
            }
            try expectLogVerifies(directory + "/data", records: 19)
        }
    }

    @Test func aRefusedFrameGetsItsCodeAndTheConnectionGoesOn() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                var withdrawal = Withdrawal()
                withdrawal.account = AccountID(valid: "nobody")
                withdrawal.amount = Money(units: 1)
                var good = Deposit()
                good.account = AccountID(valid: "alice")
                good.amount = Money(units: 3)
                var zero = good
                zero.amount = .zero
                let replies = try await FrameClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: [0, 0, 0, 3, 7, 1, 0x41])  // op 7
                    try await client.send(raw: [0, 0, 0, 4, 1, 1, 0x41, 9])  // time tag 9
                    try await client.send(raw: [0, 0, 0, 5, 1, 1, 0x41, 0, 35])  // a derived kind
                    try await client.send(raw: [0, 0, 0, 6, 1, 1, 0x41, 0, 3, 5])  // a truncated deposit
                    return try await client.exchange([
                        FrameClient.Append(key: "z", event: .deposit(zero)),
                        FrameClient.Append(key: "w", event: .withdrawal(withdrawal)),
                        FrameClient.Append(key: "g", event: .deposit(good)),
                    ]) + [try await client.receive(), try await client.receive(), try await client.receive(), try await client.receive()].compactMap { $0 }
                }
                // exchange collects the first three replies in order: those of the raw frames.
                let codes = replies.map { reply -> String in
                    switch reply {
                    case .refused(let code, _, _): code
                    case .appended(let seq, _): "seq \(seq)"
                    }
                }
                #expect(codes == ["bad_op", "bad_frame", "not_input", "bad_frame", "bad_amount", "unknown_account", "seq 1"])
                if case .refused(_, _, let field) = replies[4] { #expect(field == "amount") }
            }
        }
    }

    @Test func randomGarbageFramesAreEachRefusedWithoutHarm() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                var random = SystemRandomNumberGenerator()
                var bytes: [UInt8] = []
                for _ in 0..<300 {
                    let length = Int.random(in: 0...40, using: &random)
                    bytes += [0, 0, 0, UInt8(length)] + (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                }
                var good = Deposit()
                good.account = AccountID(valid: "alice")
                good.amount = Money(units: 1)
                let (garbage, last) = try await FrameClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: bytes)
                    var garbage: [BinaryProtocol.ReplyFrame] = []
                    for _ in 0..<300 { garbage.append(try #require(try await client.receive())) }
                    return (garbage, try await client.exchange([FrameClient.Append(key: "after", event: .deposit(good))]))
                }
                #expect(garbage.count == 300)
                #expect(garbage.allSatisfy { if case .refused = $0 { true } else { false } })
                #expect(last == [.appended(seq: 1, derivedCount: 0)])
            }
        }
    }

    @Test func anOversizedFrameLengthIsRefusedAndTheConnectionClosedWhileOthersGoOn() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let (refusal, end) = try await FrameClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: [0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3])
                    return (try await client.receive(), try await client.receive())
                }
                #expect(refusal == .refused(code: "frame_too_large", message: "frame length 2147483647 over \(BinaryProtocol.maxFrameBytes) bytes", field: nil))
                #expect(end == nil)
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                #expect(status[0]["ok"] == .bool(true))
            }
        }
    }

    @Test func aConnectionEndingInsideAFrameGetsAnErrorThenTheClose() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let replies = try await FrameClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: [0, 0, 0, 40, 1, 2, 3])
                    client.finishSending()
                    var replies: [BinaryProtocol.ReplyFrame] = []
                    while let reply = try await client.receive() { replies.append(reply) }
                    return replies
                }
                #expect(replies.count == 1)
                if case .refused(let code, _, _)? = replies.first { #expect(code == "bad_frame") } else { Issue.record("no refusal") }
            }
        }
    }

    @Test func aWrongMagicIsRefusedAsAJSONLineAndClosed() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                let lines = try await LineClient.withConnection(socketPath: socket) { client in
                    try await client.send(raw: [0, 0x53, 0x56, 0x09, 0x0A])
                    return [try await client.receive(), try await client.receive()]
                }
                #expect(errorCode(try JSONParser.parse(try #require(lines[0]))) == "bad_magic")
                #expect(lines[1] == nil)
            }
        }
    }

    @Test func binaryAndNDJSONClientsPipelineSideBySideEachInItsOwnOrder() async throws {
        try await withTemporaryDirectory { directory in
            try await withServer(in: directory) { socket in
                var binaryDeposit = Deposit()
                binaryDeposit.account = AccountID(valid: "bin")
                binaryDeposit.amount = Money(units: 1)
                async let binary = FrameClient.withConnection(socketPath: socket) { [binaryDeposit] client in
                    try await client.exchange((0..<500).map { FrameClient.Append(key: "b\($0)", event: .deposit(binaryDeposit)) })
                }
                async let lines = exchange(socket, (0..<500).map { appendRequest(key: "n\($0)", event: deposit("json", "1", ref: "n\($0)")) })
                let binarySeqs = try await binary.compactMap { reply -> UInt64? in if case .appended(let seq, _) = reply { seq.rawValue } else { nil } }
                let lineSeqs = try await lines.compactMap { number($0["seq"]) }
                #expect(binarySeqs.count == 500 && lineSeqs.count == 500)
                #expect(binarySeqs == binarySeqs.sorted() && lineSeqs == lineSeqs.sorted())
                #expect(Set(binarySeqs + lineSeqs) == Set((1...1000).map { UInt64($0) }))
            }
            try expectLogVerifies(directory + "/data", records: 1000)
        }
    }
}
