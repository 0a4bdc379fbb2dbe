import Foundation
import SolventBot
import SolventBotPolicy
import SolventCore
import SolventProtocol
import SolventServer
import Testing

/// `solvent bot`'s loop against the daemon's server: a real Unix socket, real LMDB, the script's
/// liquidation of alice (long 1 BTC from 10000, 1500 of cash: equity 440 under MM 447 when the
/// mark falls to 8940; bankrupt at 8500).
@Suite struct BotDaemonTests {
    /// The auction sells alice's 1 BTC from 8940 × 1.02 = 9118.8, × 0.99 every 10 s. A bot asking
    /// 2% off the mark (limit 8940 × 0.98 = 8761.2) passes on step 3 (9118.8 × 0.99³ = 8847.9625212)
    /// and wins on step 4: 9118.8 × 0.99⁴ = 8759.482895988, rounded down to 8759.48289598.
    @Test func aBotWinsAScriptedAuctionAtTheExpectedCurveStep() async throws {
        try await withTemporaryDirectory { directory in
            let (server, socket, auction) = try await aliceLiquidated(directory, bidder: "bot1", capital: "100000")
            let log = CapturedLog()
            let bot = startBot(socket, config: BotConfig(account: AccountID(valid: "bot1"), discount: Rate(raw: 2_000_000)), log: log)
            #expect(try await eventually { server.subscriberCount == 1 })
            for step in 1...4 {
                try await append(socket, [Script.clock(at: Script.t0 + 4_000 + Int64(step) * 10_000)], prefix: "clock-\(step)")
                if step < 4 { try await Task.sleep(for: .milliseconds(50)) }  // let the bot see each step
            }
            #expect(try await eventually { try await records(socket).contains { isFill($0, bidder: "bot1") } })
            bot.cancel()
            await bot.value
            let all = try await records(socket)
            let fill = try #require(all.compactMap { record -> AuctionFill? in
                if case .auctionFill(let p) = record.event { p } else { nil }
            }.first)
            #expect(fill.auction == auction)
            #expect(fill.price == (try Price(parsing: "8759.48289598")))
            #expect(fill.qty == Quantity(units: 1))
            let fillRecord = try #require(all.first { isFill($0, bidder: "bot1") })
            #expect(fillRecord.time == Script.t0 + 44_000)  // step 4, priced at the clock it saw
            // It passed on the earlier steps with the reason, and bid once.
            #expect(log.all.contains { $0.contains("skip auction=\(auction) outside_limit price=8847.9625212 limit=8761.2") })
            #expect(log.all.filter { $0.contains("info bid ") }.count == 1)
            #expect(bids(all, by: "bot1").count == 1)
            try await server.shutdown()
        }
    }

    /// A bot with 500 of cash: IM is 10% of the notional at the mark (8940), 894 per BTC, so it
    /// can carry 500 / 894 = 0.5592… BTC: 0.559 (IM 499.746), not 0.560 (IM 500.64). It bids
    /// exactly that and the fill passes the engine's margin check. (Selling 0.559 leaves alice
    /// above the margin-call zone, so her auction ends there: `recovered`.)
    @Test func aBotNeverBidsBeyondItsCapital() async throws {
        try await withTemporaryDirectory { directory in
            let (server, socket, _) = try await aliceLiquidated(directory, bidder: "small", capital: "500")
            let log = CapturedLog()
            let bot = startBot(socket, config: BotConfig(account: AccountID(valid: "small")), log: log)
            #expect(try await eventually { server.subscriberCount == 1 })
            try await append(socket, [Script.clock(at: Script.t0 + 44_000)], prefix: "step4")
            #expect(try await eventually { try await records(socket).contains { isFill($0, bidder: "small") } })
            bot.cancel()
            await bot.value
            let bidLines = log.all.filter { $0.contains("info bid ") }
            #expect(bidLines.count == 1)
            #expect(bidLines.first.flatMap { field("qty", in: $0) } == "0.559")
            let all = try await records(socket)
            #expect(!all.contains { if case .auctionBidRejected = $0.event { true } else { false } })
            let fills = all.compactMap { record -> AuctionFill? in
                if case .auctionFill(let p) = record.event, p.bidder.text == "small" { p } else { nil }
            }
            #expect(fills.map(\.qty) == [try Quantity(parsing: "0.559")])
            let account = try await LineClient.withConnection(socketPath: socket) {
                try await $0.exchange([#"{"op":"account","account":"small"}"#])
            }
            let funds = try Funds(reply: try JSONParser.parse(account[0]))
            #expect(funds.available >= .zero)
            #expect(funds.positions[MarketID(valid: "BTC-PERP")] == (try Quantity(parsing: "0.559")))
            try await server.shutdown()
        }
    }

    /// The daemon stops after the bot won alice's auction and starts again on the same data: the
    /// bot reconnects, resumes after the last seq it saw, and bids on erin's new auction without
    /// bidding on alice's again.
    @Test func aBotResumesAfterTheDaemonRestarts() async throws {
        try await withTemporaryDirectory { directory in
            let (firstServer, socket, first) = try await aliceLiquidated(directory, bidder: "bot1", capital: "100000")
            var server = firstServer
            let log = CapturedLog()
            let bot = startBot(socket, config: BotConfig(account: AccountID(valid: "bot1")), log: log)
            #expect(try await eventually { server.subscriberCount == 1 })
            try await append(socket, [Script.clock(at: Script.t0 + 44_000)], prefix: "step4")
            #expect(try await eventually { try await records(socket).contains { isFill($0, bidder: "bot1") } })

            try await server.shutdown()
            #expect(try await eventually { log.all.contains { $0.contains("reconnecting") } })
            server = try await startServer(directory)
            #expect(try await eventually { server.subscriberCount == 1 })
            // erin: 1000 of cash, long 1 BTC at 8940; at 8350 her equity (410) is below MM (417.5).
            // Her auction starts at 8517 and reaches the bot's limit (8183) on step 4 (8181.39…).
            try await append(socket, [Script.deposit("erin", "1000", at: Script.t0 + 45_000),
                                      Script.trade(buyer: "erin", seller: "bob", qty: "1", price: "8940", at: Script.t0 + 45_000)],
                             prefix: "erin")
            let second = try await append(socket, [Script.price("8350", at: Script.t0 + 46_000)], prefix: "crash2")
            let auction = try #require(second[0]["derived"].flatMap(startedAuction))
            #expect(auction != first)
            try await append(socket, [Script.clock(at: Script.t0 + 86_000)], prefix: "step4b")
            #expect(try await eventually { try await bids(records(socket), by: "bot1").count == 2 })
            bot.cancel()
            await bot.value
            let all = try await records(socket)
            #expect(bids(all, by: "bot1").map(\.auction) == [first, auction])
            #expect(all.filter { isFill($0, bidder: "bot1") }.count == 2)
            #expect(log.all.contains { $0.contains("subscribed from=") && !$0.contains("subscribed from=1 ") })
            #expect(!log.all.contains { $0.contains("info bid auction=\(first)") && $0.contains("at=\(Script.t0 + 86_000)") })
            try await server.shutdown()
        }
    }
}

/// A server on `directory` with the script set up, `bidder` funded with `capital`, and alice's
/// auction started by the mark falling to 8940 at t0 + 4 s: (server, socket, auction id).
func aliceLiquidated(_ directory: String, bidder: String, capital: String) async throws -> (SolventServer, String, Seq) {
    let server = try await startServer(directory)
    let socket = directory + "/solventd.sock"
    try await append(socket, Script.setup + [Script.deposit(bidder, capital, at: Script.t0 + 3_000)], prefix: "setup")
    let crash = try await append(socket, [Script.price("8940", at: Script.t0 + 4_000)], prefix: "crash")
    let auction = try #require(crash[0]["derived"].flatMap(startedAuction))
    return (server, socket, auction)
}

/// The id of the `auction.started` among an append reply's `derived`.
func startedAuction(_ derived: JSONValue) -> Seq? {
    guard case .array(let records) = derived else { return nil }
    for record in records where record["kind"] == .string("auction.started") {
        if case .number(let text)? = record["seq"] { return Seq(text) }
    }
    return nil
}

func isFill(_ record: Record, bidder: String) -> Bool {
    if case .auctionFill(let p) = record.event { p.bidder.text == bidder } else { false }
}

func bids(_ records: [Record], by bidder: String) -> [AuctionBid] {
    records.compactMap { if case .auctionBid(let p) = $0.event, p.bidder.text == bidder { p } else { nil } }
}
