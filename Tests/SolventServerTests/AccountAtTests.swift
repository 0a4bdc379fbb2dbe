import Foundation
import SolventCore
import SolventServer
import SolventStore
import Testing

/// `{"op":"account","account":…,"at":SEQ}`: the state after a past record, rebuilt from the
/// nearest snapshot plus a replay off the committer thread, and still answered in request order.
@Suite struct AccountAtTests {
    /// A server whose log snapshots every 5 records, so `at` goes through snapshot + replay.
    private func withSnapshottingServer<T>(_ body: (String) async throws -> T) async throws -> T {
        try await withServer(options: ServerOptions(snapshotEvery: 5), body)
    }

    @Test func anAccountAtAPastSeqIsItsStateAfterThatRecord() async throws {
        try await withSnapshottingServer { socket in
            let deposits = (1...12).map { appendRequest(key: "d\($0)", event: deposit("alice", "\($0)", ref: "r\($0)")) }
            let seqs = try await exchange(socket, deposits).map { try #require(number($0["seq"])) }
            // After the n-th deposit alice holds 1 + 2 + … + n.
            let queries = seqs.map { #"{"op":"account","account":"alice","at":\#($0)}"# }
            let replies = try await exchange(socket, queries)
            for (position, reply) in replies.enumerated() {
                let n = position + 1
                #expect(reply["ok"] == .bool(true))
                #expect(string(reply["cash"]) == "\(n * (n + 1) / 2)", "after deposit \(n)")
                // The state after the deposit and what it derived (a state root every 5 records,
                // as `solvent account --at` counts it): its seq is the last of those.
                let seq = try #require(number(reply["seq"]))
                #expect(seq >= seqs[position] && seq < (position + 1 < seqs.count ? seqs[position + 1] : .max))
            }
            // Past the head, or no `at`: the state now.
            let now = try await exchange(socket, [
                #"{"op":"account","account":"alice","at":1000000}"#, #"{"op":"account","account":"alice","at":null}"#,
            ])
            #expect(string(now[0]["cash"]) == "78")
            #expect(now[0] == now[1])
        }
    }

    @Test func aPastQueryKeepsItsPlaceAmongPipelinedRequests() async throws {
        try await withSnapshottingServer { socket in
            let first = try await exchange(socket, (1...8).map { appendRequest(key: "d\($0)", event: deposit("alice", "1", ref: "r\($0)")) })
            let third = try #require(number(first[2]["seq"]))
            let replies = try await exchange(socket, [
                #"{"op":"account","account":"alice","at":\#(third)}"#,
                appendRequest(key: "d9", event: deposit("alice", "1", ref: "r9")),
                #"{"op":"account","account":"alice"}"#,
                #"{"op":"account","account":"alice","at":\#(third - 1)}"#,
                #"{"op":"status"}"#,
            ])
            #expect(string(replies[0]["cash"]) == "3")
            #expect(replies[1]["ok"] == .bool(true) && replies[1]["key"] == .string("d9"))
            #expect(string(replies[2]["cash"]) == "9")
            #expect(string(replies[3]["cash"]) == "2")
            #expect(number(replies[4]["seq"]) == number(replies[1]["seq"]))
        }
    }

    @Test func anAccountBeforeItsFirstRecordIsUnknownThen() async throws {
        try await withSnapshottingServer { socket in
            let replies = try await exchange(socket, [
                appendRequest(key: "a", event: deposit("alice", "1", ref: "a")),
                appendRequest(key: "b", event: deposit("bob", "1", ref: "b")),
            ])
            let aliceSeq = try #require(number(replies[0]["seq"]))
            let answers = try await exchange(socket, [
                #"{"op":"account","account":"bob","at":\#(aliceSeq)}"#,
                #"{"op":"account","account":"alice","at":0}"#,
            ])
            #expect(errorCode(answers[0]) == "unknown_account")
            #expect(string(answers[0]["error"]?["field"]) == "account")
            #expect(errorCode(answers[1]) == "unknown_account")
        }
    }

    @Test(arguments: [#""3""#, "-1", "1.5", "true", "[1]"])
    func aMalformedAtIsRefused(at: String) async throws {
        try await withSnapshottingServer { socket in
            let replies = try await exchange(socket, [#"{"op":"account","account":"alice","at":\#(at)}"#])
            #expect(errorCode(replies[0]) == "bad_at")
            #expect(string(replies[0]["error"]?["field"]) == "at")
        }
    }
}
