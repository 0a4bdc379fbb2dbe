import SolventCore
import SolventServer
import SolventStore
import Testing

/// SPEC §2: no well-formed input can crash the writer. Over a real socket and a real log, inputs
/// that would have trapped are refused `out_of_range` with the field, the server keeps
/// answering, and the log verifies.
@Suite struct RangeCheckProtocolTests {
    static let listing = #"{"kind":"market.listed","market":"BTC-PERP","lotSize":"0.001","tickSize":"0.1","tiers":[{"notionalCap":"20000000000","mmr":"0.004","imr":"0.008","maintAmount":"0"}]}"#

    static func trade(_ buyer: String, _ seller: String, _ qty: String, at price: String) -> String {
        #"{"kind":"trade","market":"BTC-PERP","buyer":"\#(buyer)","seller":"\#(seller)","qty":"\#(qty)","price":"\#(price)"}"#
    }

    /// Sends `request`, expects `out_of_range` on `field`, then that the server still answers.
    func expectRefused(_ socket: String, _ request: String, field: String) async throws {
        let replies = try await exchange(socket, [request, #"{"op":"status"}"#])
        try #require(replies.count == 2)
        #expect(replies[0]["ok"] == .bool(false))
        #expect(errorCode(replies[0]) == "out_of_range")
        #expect(string(replies[0]["error"]?["field"]) == field)
        #expect(replies[1]["ok"] == .bool(true))
    }

    @Test func inputsThatWouldOverflowAreRefusedOutOfRangeAndTheServerCarriesOn() async throws {
        try await withTemporaryDirectory { directory in
            let seq = try await withServer(in: directory) { socket -> UInt64? in
                let setup = try await exchange(socket, [
                    appendRequest(key: "list", event: Self.listing),
                    appendRequest(key: "d-alice-1", event: deposit("alice", "90000000000", ref: "d-1")),
                ])
                #expect(setup.allSatisfy { $0["ok"] == .bool(true) })
                // Two deposits of 90,000,000,000 to one account used to kill the writer.
                try await expectRefused(socket, appendRequest(key: "d-alice-2", event: deposit("alice", "90000000000", ref: "d-2")), field: "amount")
                let positions = try await exchange(socket, [
                    appendRequest(key: "d-bob", event: deposit("bob", "1000000000", ref: "d-3")),
                    appendRequest(key: "d-carol", event: deposit("carol", "1000000000", ref: "d-4")),
                    appendRequest(key: "t-1", event: Self.trade("carol", "bob", "1000", at: "10000")),
                ])
                #expect(positions.allSatisfy { $0["ok"] == .bool(true) })
                try await expectRefused(socket, appendRequest(key: "t-huge", event: Self.trade("carol", "bob", "92233720368", at: "92233720368")), field: "price")
                try await expectRefused(socket, appendRequest(key: "t-big", event: Self.trade("carol", "bob", "92233720368", at: "1")), field: "qty")
                try await expectRefused(socket, appendRequest(key: "o-huge", event: #"{"kind":"oracle.price","market":"BTC-PERP","price":"11529216","publishTime":0}"#), field: "price")
                let status = try await exchange(socket, [#"{"op":"status"}"#])
                return number(status[0]["seq"])
            }
            #expect(seq == 5)
            try expectLogVerifies(directory + "/data", records: 5)
        }
    }
}
