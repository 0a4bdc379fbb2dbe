import SolventBotPolicy
import SolventCore
import Testing

/// The pure decision of `solvent bot`, from records built in memory: no socket, no daemon.
@Suite struct BidPolicyTests {
    static let market = MarketID(valid: "BTC-PERP")
    static let bot = AccountID(valid: "bot1")

    /// The script's market (Support.swift), a mark of 8940 and alice's auction of 1 BTC started at
    /// t0 + 4 s from 9118.8 (8940 × 1.02), falling.
    static func view(extra: [Event] = []) throws -> LogView {
        var view = LogView(rules: .v2)  // worked with the stairstep defaults of rules 1–2
        var seq: Seq = 0
        func feed(_ event: Event, at time: TimeMs) {
            seq += 1
            view.observe(Record(seq: seq, time: time, event: event))
        }
        var listing = MarketListed()
        listing.market = market
        listing.lotSize = try Quantity(parsing: "0.001")
        listing.tickSize = try Price(parsing: "0.1")
        listing.tiers = [Tier(notionalCap: Money(units: 1_000_000), mmr: try Rate(parsing: "0.05"), imr: try Rate(parsing: "0.1"),
                              maintAmount: .zero)]
        feed(.marketListed(listing), at: Script.t0)
        feed(.oraclePrice(oracle("8940")), at: Script.t0 + 4_000)
        var started = AuctionStarted()
        started.auction = seq + 1
        started.account = AccountID(valid: "alice")
        started.market = market
        started.qty = Quantity(units: -1)
        started.startPrice = try Price(parsing: "9118.8")
        feed(.auctionStarted(started), at: Script.t0 + 4_000)
        for event in extra { feed(event, at: Script.t0 + 4_000) }
        return view
    }

    static func oracle(_ price: String) -> OraclePrice {
        var p = OraclePrice()
        p.market = market
        p.price = try! Price(parsing: price)
        p.publishTime = Script.t0
        return p
    }

    static let policy = BidPolicy(config: BotConfig(account: bot, discount: try! Rate(parsing: "0.02")))
    static let rich = Funds(state: .healthy, equity: Money(units: 100_000), available: Money(units: 100_000))

    /// The bot prices with the defaults of the log's rules (the daemon's `status` says which):
    /// rules 3's exponential curve, rules 1–2's stairstep. Adopted only before the first record.
    @Test func theViewTakesTheDefaultsOfTheLogsRules() {
        #expect(LogView(rules: .v3).markets.globalParams == RiskParams(rules: .v3))
        #expect(LogView(rules: .v3).markets.globalParams.curve == .exponential)
        var view = LogView(rules: .v3)
        view.adopt(rules: .v2)
        #expect(view.markets.globalParams.curve == .stairstep)
        view.observe(Record(seq: 1, time: 1, event: .clock(Clock())))
        view.adopt(rules: .v3)
        #expect(view.markets.globalParams.curve == .stairstep)
    }

    @Test func theQuoteFollowsTheStairstepAndTheLimitIsTheDiscountedMark() throws {
        let view = try Self.view()
        let entry = try #require(view.auctions.entries.first)
        // Step 3 (30 s): 8847.9625212 is above the limit 8761.2.
        let early = Self.policy.quote(entry, markets: view.markets, nowMs: Script.t0 + 34_000)
        #expect(early == .failure(.outsideLimit(price: try Price(parsing: "8847.9625212"), limit: try Price(parsing: "8761.2"))))
        // Step 4 (40 s), one ms short of step 5: 8759.48289598.
        let quote = try Self.policy.quote(entry, markets: view.markets, nowMs: Script.t0 + 53_999).get()
        #expect(quote.price == (try Price(parsing: "8759.48289598")))
        #expect(quote.limit == (try Price(parsing: "8761.2")))
        let decision = Self.policy.decide(quote, markets: view.markets, funds: Self.rich)
        guard case .bid(let bid, let price) = decision else { Issue.record("no bid: \(decision)"); return }
        #expect(price == quote.price)
        #expect(bid.qty == Quantity(units: 1))
        #expect(bid.limitPrice == quote.limit)
        #expect(bid.bidder == Self.bot)
    }

    @Test func aRisingAuctionIsSoldIntoAtTheMarkPlusTheDiscount() throws {
        var view = try Self.view()
        var started = AuctionStarted()
        started.auction = 99
        started.account = AccountID(valid: "carol")
        started.market = Self.market
        started.qty = Quantity(units: 1)  // buys back a short
        started.startPrice = try Price(parsing: "8761.2")  // 8940 × 0.98
        view.observe(Record(seq: 99, time: Script.t0 + 4_000, event: .auctionStarted(started)))
        let entry = try #require(view.auctions.entry(99))
        #expect(entry.direction == .rising)
        // 8761.2 × (2 − 0.99⁴) = 9106.426237188, rounded up; the limit is 8940 × 1.02 = 9118.8.
        let outside = Self.policy.quote(entry, markets: view.markets, nowMs: Script.t0 + 44_000)
        guard case .failure(.outsideLimit(let price, let limit)) = outside else { Issue.record("\(outside)"); return }
        #expect(limit == (try Price(parsing: "9118.8")))
        #expect(price == (try Price(parsing: "9106.42623719")))
        let quote = try Self.policy.quote(entry, markets: view.markets, nowMs: Script.t0 + 54_000).get()
        #expect(quote.price >= quote.limit)
    }

    @Test func theBotWaitsItsReactionTimeAfterAStartAndAfterAReset() throws {
        let slow = BidPolicy(config: BotConfig(account: Self.bot, discount: .zero, reactionMs: 5_000))
        var view = try Self.view()
        let entry = try #require(view.auctions.entries.first)
        #expect(slow.quote(entry, markets: view.markets, nowMs: Script.t0 + 8_999) == .failure(.reacting(untilMs: Script.t0 + 9_000)))
        // From then on the curve decides (here still 2% above the mark: outside the limit).
        guard case .failure(.outsideLimit) = slow.quote(entry, markets: view.markets, nowMs: Script.t0 + 9_000) else {
            Issue.record("still reacting at the end of the delay")
            return
        }
        var reset = AuctionReset()
        reset.auction = entry.id
        reset.startPrice = try Price(parsing: "9000")
        view.observe(Record(seq: 10, time: Script.t0 + 20_000, event: .auctionReset(reset)))
        let after = try #require(view.auctions.entries.first)
        #expect(slow.quote(after, markets: view.markets, nowMs: Script.t0 + 21_000) == .failure(.reacting(untilMs: Script.t0 + 25_000)))
    }

    /// IM at the mark is 894 per BTC: 500 of available carries 0.559, 1000 carries 1.118 ≥ 1.
    @Test func theBidIsTheMostLotsTheAvailableMarginCarries() throws {
        let view = try Self.view()
        let quote = try Self.policy.quote(try #require(view.auctions.entries.first), markets: view.markets, nowMs: Script.t0 + 44_000).get()
        let small = Funds(state: .healthy, equity: Money(units: 500), available: Money(units: 500))
        #expect(bidQty(Self.policy.decide(quote, markets: view.markets, funds: small)) == (try Quantity(parsing: "0.559")))
        // A long already held adds to the position's IM; a short held is closed first, freeing it.
        var long = small
        long.positions[Self.market] = try Quantity(parsing: "0.5")
        #expect(bidQty(Self.policy.decide(quote, markets: view.markets, funds: long)) == (try Quantity(parsing: "0.559")))
        var short = small
        short.positions[Self.market] = try Quantity(parsing: "-0.5")
        #expect(bidQty(Self.policy.decide(quote, markets: view.markets, funds: short)) == Quantity(units: 1))
        let broke = Funds(state: .healthy, equity: .zero, available: .zero)
        #expect(Self.policy.decide(quote, markets: view.markets, funds: broke) == .skip(.noCapital(available: .zero)))
        var liquidating = Self.rich
        liquidating.state = .liquidating
        #expect(Self.policy.decide(quote, markets: view.markets, funds: liquidating) == .skip(.liquidating))
    }

    @Test func maxNotionalCapsEachBid() throws {
        let view = try Self.view()
        let capped = BidPolicy(config: BotConfig(account: Self.bot, discount: try Rate(parsing: "0.02"), maxNotional: Money(units: 1_000)))
        let quote = try capped.quote(try #require(view.auctions.entries.first), markets: view.markets, nowMs: Script.t0 + 44_000).get()
        // 1000 / 8759.48289598 = 0.11416… → 0.114 (998.58), not 0.115 (1007.34).
        #expect(bidQty(capped.decide(quote, markets: view.markets, funds: Self.rich)) == (try Quantity(parsing: "0.114")))
    }

    /// A fill may not leave under `dustNotional` (10): with 0.999 of 1 affordable, the 0.001 left
    /// (≈ 8.76) would be dust, so the bot takes all or nothing.
    @Test func theDustRuleMakesTheBotTakeAllOrNothing() throws {
        #expect(BidRule.size(capacity: try Quantity(parsing: "0.999"), remaining: Quantity(units: 1),
                             price: try Price(parsing: "8759.48"), dustNotional: Money(units: 10)) == nil)
        #expect(BidRule.size(capacity: Quantity(units: 2), remaining: Quantity(units: 1),
                             price: try Price(parsing: "8759.48"), dustNotional: Money(units: 10)) == Quantity(units: 1))
        #expect(BidRule.size(capacity: try Quantity(parsing: "0.998"), remaining: Quantity(units: 1),
                             price: try Price(parsing: "8759.48"), dustNotional: Money(units: 10)) == (try Quantity(parsing: "0.998")))
        #expect(BidRule.size(capacity: try Quantity(parsing: "0.5"), remaining: Quantity(units: 1),
                             price: try Price(parsing: "8759.48"), dustNotional: Money(units: 10)) == (try Quantity(parsing: "0.5")))
    }

    @Test func aPriceTheJumpGuardHeldDoesNotMoveTheMark() throws {
        var view = try Self.view()
        let seq = view.lastSeq + 1
        view.observe(Record(seq: seq, time: Script.t0 + 5_000, event: .oraclePrice(Self.oracle("5000"))))
        var rejected = OracleRejected()
        rejected.market = Self.market
        rejected.price = try Price(parsing: "5000")
        rejected.lastPrice = try Price(parsing: "8940")
        rejected.reason = "jump"
        view.observe(Record(seq: seq + 1, time: Script.t0 + 5_000, cause: seq, event: .oracleRejected(rejected)))
        #expect(view.markets.market(Self.market)?.mark == (try Price(parsing: "8940")))
        view.observe(Record(seq: seq + 2, time: Script.t0 + 6_000, event: .oraclePrice(Self.oracle("8900"))))
        #expect(view.markets.market(Self.market)?.mark == (try Price(parsing: "8900")))
    }

    @Test func noBidOnItsOwnAuctionNorInAHaltedMarketNorTwiceForOneRecord() throws {
        var view = try Self.view()
        let entry = try #require(view.auctions.entries.first)
        let own = BidPolicy(config: BotConfig(account: AccountID(valid: "alice")))
        #expect(own.quote(entry, markets: view.markets, nowMs: Script.t0 + 44_000) == .failure(.ownAuction))
        var halted = MarketHalted()
        halted.market = Self.market
        halted.reason = "stale"
        let first = view.observe(Record(seq: 50, time: Script.t0 + 44_000, event: .marketHalted(halted)))
        #expect(first)
        #expect(Self.policy.quote(entry, markets: view.markets, nowMs: Script.t0 + 44_000) == .failure(.marketHalted))
        // A resumed stream that repeats a record changes nothing.
        let again = view.observe(Record(seq: 50, time: Script.t0 + 44_000, event: .marketHalted(halted)))
        let older = view.observe(Record(seq: 3, time: Script.t0, event: .clock(Clock())))
        #expect(!again && !older)
    }

    /// `log --json` lines read back into the records they print, derived kinds included.
    @Test func recordsRoundTripThroughTheirJSONLines() throws {
        var fill = AuctionFill()
        fill.auction = 3
        fill.liquidation = 2
        fill.bidder = Self.bot
        fill.qty = Quantity(units: 1)
        fill.price = try Price(parsing: "8759.48289598")
        var started = AuctionStarted()
        started.auction = 3
        started.account = AccountID(valid: "alice")
        started.market = Self.market
        started.qty = Quantity(units: -1)
        started.startPrice = try Price(parsing: "9118.8")
        for record in [Record(seq: 7, time: Script.t0, cause: 6, event: .auctionFill(fill)),
                       Record(seq: 3, time: Script.t0, cause: 2, event: .auctionStarted(started)),
                       Record(seq: 9, time: Script.t0, event: .clock(Clock()))] {
            let line = JSONWriter.string(RecordJSON.json(record))
            #expect(try RecordJSON.record(try JSONParser.parse(line)) == record)
        }
        #expect(throws: InputError.self) { try RecordJSON.record(try JSONParser.parse(#"{"seq":1,"time":1,"kind":"nope"}"#)) }
    }
}

func bidQty(_ decision: Decision) -> Quantity? {
    if case .bid(let bid, _) = decision { bid.qty } else { nil }
}
