@testable import SolventBot
import SolventBotPolicy
import SolventCore
import Testing

/// The lines the bot puts on the wire and what it reads back from refusals.
@Suite struct BotRequestsTests {
    @Test func aBidIsAnAppendOfAnAuctionBidStampedAtTheLogTimeItWasPricedAt() throws {
        var bid = AuctionBid()
        bid.auction = 11
        bid.bidder = AccountID(valid: "bot1")
        bid.qty = try Quantity(parsing: "0.559")
        bid.limitPrice = try Price(parsing: "8761.2")
        let key = BotRequests.key(account: bid.bidder, auction: 11, seq: 13)
        #expect(key == "bot-bot1-11-13")
        let line = BotRequests.append(bid, key: key, timeMs: 1_700_000_044_000)
        let request = try JSONParser.parse(line)
        #expect(request["op"] == .string("append"))
        #expect(request["key"] == .string("bot-bot1-11-13"))
        // The event is what `solvent append` and the daemon accept, field for field.
        let event = try #require(request["event"])
        let (time, decoded) = try RecordJSON.input(event, requireTime: true)
        #expect(time == 1_700_000_044_000)
        #expect(decoded == .auctionBid(bid))
    }

    @Test func theSubscriptionAsksForTheKindsTheViewFollows() throws {
        let request = try JSONParser.parse(BotRequests.subscribe(from: 17))
        #expect(request["from"] == .number("17"))
        #expect(request["kinds"] == .array(LogView.kinds.map { .string($0) }))
    }

    @Test func aTimeRegressionNamesTheLogsLastTime() {
        #expect(BotRequests.lastTime(inRefusal: "time 1584000046050 is before the log's last time 1584000051650") == 1_584_000_051_650)
        #expect(BotRequests.lastTime(inRefusal: "must be a non-negative integer") == nil)
    }

    @Test func anAcceptedBidHoldsTheAuctionUntilItsLastAuctionRecord() throws {
        let reply = try JSONParser.parse(#"{"key":"k","ok":true,"seq":43,"derived":[{"seq":44,"kind":"auction.fill"},{"seq":45,"kind":"auction.ended"},{"seq":46,"kind":"liquidation.finished"}]}"#)
        #expect(BotRequests.lastAuctionSeq(ofReply: reply) == 45)
        let refused = try JSONParser.parse(#"{"key":"k","ok":false,"error":{"code":"time_regression","message":"m","field":"time"}}"#)
        #expect(BotRequests.refusal(refused)?.code == "time_regression")
        #expect(BotRequests.lastAuctionSeq(ofReply: refused) == nil)
    }
}
