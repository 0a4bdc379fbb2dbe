import SolventCore
import SolventSim

/// What the demo sends, decided before the daemon starts: the listing, the seeded population
/// (SolventSim's generator, the same one `solvent simulate` uses) and the price path's steps.
///
/// Every input carries its market time from the path (`time` explicit, so the daemon's own
/// clock is turned off): the log reads as the day it replays, and `solvent bot` stamps its bids
/// with the log time it priced them at, so they meet the same curve.
struct DemoPlan {
    let path: PricePath
    let fileName: String
    let population: Population
    let listing: MarketListed
    let params: ParamsSet?
    /// The oracle's interval: every step republishes the recorded price in force (the default
    /// `maxStaleness` is 60 s), as `solvent simulate` does.
    let stepMs: Int64
    /// The end of the played market time (the path's end, or `--minutes` after its start).
    let endMs: TimeMs
    init(path: PricePath, fileName: String, accounts: Int, bots: Int, seed: UInt64, minutes: Int?,
         params: ParamsSet?) {
        self.path = path
        self.fileName = fileName
        self.params = params
        endMs = minutes.map { min(path.endMs, path.startMs + Int64($0) * 60_000) } ?? path.endMs
        var config = SimConfig()
        config.accounts = accounts
        config.seed = seed
        config.bots = bots
        // The demo's bots are live `solvent bot` processes without hedge accounts: they hold.
        config.liquidity = .hold
        config.market = MarketSetup.marketID(fileName: fileName)
        // As `Simulation` does: positions open during the first quarter of the played path at most.
        config.openingWindowMs = min(config.openingWindowMs, (endMs - path.startMs) / 4)
        stepMs = config.stepMs
        listing = MarketSetup.listing(market: config.market, path: path)
        population = Population(config: config, listing: listing, firstPrice: path.firstPrice)
    }

    var market: MarketID { listing.market }
    var stepCount: Int { Int((endMs - path.startMs + stepMs - 1) / stepMs) }
    func marketTime(step: Int) -> TimeMs { path.startMs + Int64(step) * stepMs }
    var traderCount: Int { population.pairs.count * 2 }

    /// Listing, parameters, the insurance fund, the first price and every deposit, all at the
    /// path's start.
    func setUpEvents() -> [Event] {
        var events: [Event] = [.marketListed(listing)]
        if let params { events.append(.paramsSet(params)) }
        var fund = InsuranceDeposit()
        fund.amount = population.insuranceDeposit
        events.append(.insuranceDeposit(fund))
        events.append(oracle(price: path.firstPrice, at: path.startMs))
        for pair in population.pairs {
            events.append(deposit(pair.long.id, pair.long.deposit))
            events.append(deposit(pair.short.id, pair.short.deposit))
        }
        for bot in population.bots { events.append(deposit(bot.id, bot.capital)) }
        return events
    }

    /// Pair indices in opening order (by offset, then index), as `Simulation` opens them.
    var openingOrder: [Int] {
        let pairs = population.pairs
        return pairs.indices.sorted { (pairs[$0].openOffsetMs, $0) < (pairs[$1].openOffsetMs, $1) }
    }

    func oracle(price: Price, at timeMs: TimeMs) -> Event {
        var p = OraclePrice()
        p.market = listing.market
        p.price = price
        p.publishTime = timeMs
        return .oraclePrice(p)
    }

    /// The opening trade of pair `index` at `price`: its long buys from its short.
    func opening(pair index: Int, price: Price) -> Event {
        let pair = population.pairs[index]
        var trade = Trade()
        trade.market = listing.market
        trade.buyer = pair.long.id
        trade.seller = pair.short.id
        trade.qty = pair.qty
        trade.price = price
        return .trade(trade)
    }

    private func deposit(_ account: AccountID, _ amount: Money) -> Event {
        var deposit = Deposit()
        deposit.account = account
        deposit.amount = amount
        return .deposit(deposit)
    }
}

/// Append requests in the NDJSON protocol (docs/PROTOCOL.md), with explicit times.
struct DemoRequests {
    private var next = 0
    let prefix: String

    init(prefix: String) { self.prefix = prefix }

    /// `{"op":"append","key":…,"event":{"kind":…,"time":…,…}}` with a fresh key.
    mutating func append(_ event: Event, at timeMs: TimeMs) -> String {
        next += 1
        var members: [JSONMember] = []
        if case .object(let record) = RecordJSON.json(Record(seq: 0, time: timeMs, event: event)) {
            members = record.filter { $0.key != "seq" && $0.key != "cause" && $0.value != .null }
        }
        return JSONWriter.string(.object([
            JSONMember("op", .string("append")), JSONMember("key", .string("\(prefix)-\(next)")),
            JSONMember("event", .object(members)),
        ]))
    }

    static func account(_ id: AccountID) -> String {
        JSONWriter.string(.object([JSONMember("op", .string("account")), JSONMember("account", .string(id.description))]))
    }

    static let status = #"{"op":"status"}"#
}
