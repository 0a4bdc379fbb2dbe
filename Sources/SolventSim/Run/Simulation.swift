import SolventBotPolicy
import SolventCore
import SolventStore

/// A cascade simulation on one recorded price path (docs/CASCADES.md): the seeded population
/// opens its positions during the opening window; every `stepMs` the bots bid, the oracle publishes
/// the recorded price moved by the impact of earlier liquidation flow, and a `clock` moves the
/// running auctions. Every input goes through the ledger (and, with a journal, the real write
/// path); everything reported is read off the derived records.
public struct Simulation {
    public let path: PricePath
    public let config: SimConfig
    public let listing: MarketListed
    public let population: Population

    public init(path: PricePath, config: SimConfig) {
        self.path = path
        var config = config
        config.openingWindowMs = min(config.openingWindowMs, (path.endMs - path.startMs) / 4)
        self.config = config
        listing = MarketSetup.listing(market: config.market, path: path)
        population = Population(config: config, listing: listing, firstPrice: path.firstPrice)
    }

    /// Steps the run takes (for progress).
    public var stepCount: Int { Int((path.endMs - path.startMs + config.stepMs - 1) / config.stepMs) }

    /// Runs the whole path. `progress` gets (steps done, steps) now and then.
    public func run(journal: Journal? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> SimResult {
        var state = RunState(simulation: self, journal: journal)
        try state.setUp()
        let steps = stepCount
        for step in 0..<steps {
            try state.step(at: path.startMs + Int64(step) * config.stepMs)
            if step % 256 == 0 { progress?(step, steps) }
        }
        progress?(steps, steps)
        return try state.finish()
    }
}

/// What a run leaves: totals, the minute series and the final state.
public struct SimResult: Sendable {
    public var summary: SimSummary
    public var minutes: [MinuteRow]
    public var ledger: Ledger
}

/// The mutable part of one run.
struct RunState {
    let sim: Simulation
    var sink: LogSink
    var board = AuctionBoard()
    var impact: PriceImpact
    var metrics: RunMetrics
    var cursor: PricePath.Cursor
    let desk: BotDesk
    var recycler: Recycler
    var recorded: Price
    var mark: Price
    /// The recorded price the current mark was made from. A liquidation is judged against it:
    /// inputs before this step's oracle price (bids, unwinds) still meet the previous mark, and
    /// comparing them with the step's new recorded price counted them as cascade.
    var markRecorded: Price
    var lowestMark: Price
    var peakImpact = 0.0
    /// Pair indices by opening time (then index), and how many have opened.
    let openingOrder: [Int]
    var nextOpening = 0

    init(simulation: Simulation, journal: Journal?) {
        sim = simulation
        let accounts = simulation.population.pairs.count * 2 + simulation.population.bots.count * 2 + 2
        sink = LogSink(journal: journal, batchInputs: simulation.config.batchInputs, accountsHint: accounts)
        impact = PriceImpact(model: simulation.config.impact, depth: simulation.population.openInterest,
                             stepMs: simulation.config.stepMs)
        metrics = RunMetrics(startMs: simulation.path.startMs, firstPrice: simulation.path.firstPrice)
        cursor = simulation.path.cursor()
        desk = BotDesk(profiles: simulation.population.bots, lot: simulation.listing.lotSize)
        recycler = Recycler(liquidity: simulation.config.liquidity, bots: simulation.population.bots,
                            lot: simulation.listing.lotSize, stepMs: simulation.config.stepMs)
        recorded = simulation.path.firstPrice
        mark = recorded
        markRecorded = recorded
        lowestMark = recorded
        let pairs = simulation.population.pairs
        openingOrder = pairs.indices.sorted { (pairs[$0].openOffsetMs, $0) < (pairs[$1].openOffsetMs, $1) }
    }

    var market: MarketID { sim.listing.market }
    var params: RiskParams { sink.ledger.params(market: market)?.params ?? RiskParams() }

    /// Listing, parameters, the fund, the first price, deposits, then the opening trades.
    mutating func setUp() throws {
        let t = sim.path.startMs
        let population = sim.population
        try require(.marketListed(sim.listing), at: t)
        if sim.config.params != ParamsSet() { try require(.paramsSet(sim.config.params), at: t) }
        var fund = InsuranceDeposit()
        fund.amount = population.insuranceDeposit
        try require(.insuranceDeposit(fund), at: t)
        try require(oracle(price: sim.path.firstPrice, at: t), at: t)
        for pair in population.pairs {
            try deposit(pair.long.id, pair.long.deposit, at: t)
            try deposit(pair.short.id, pair.short.deposit, at: t)
        }
        for bot in population.bots { try deposit(bot.id, bot.capital, at: t) }
        if recycler.isActive {
            for bot in population.bots { try deposit(Liquidity.hedgeAccount(for: bot.id), population.hedgeDeposit, at: t) }
        }
        try openPairs(until: t)
    }

    /// Opens the pairs whose time has come, at the current mark.
    private mutating func openPairs(until t: TimeMs) throws {
        let pairs = sim.population.pairs
        while nextOpening < openingOrder.count, pairs[openingOrder[nextOpening]].openOffsetMs <= t - sim.path.startMs {
            let pair = pairs[openingOrder[nextOpening]]
            nextOpening += 1
            var trade = Trade()
            trade.market = market
            trade.buyer = pair.long.id
            trade.seller = pair.short.id
            trade.qty = pair.qty
            trade.price = mark
            try require(.trade(trade), at: t)
        }
    }

    private mutating func deposit(_ account: AccountID, _ amount: Money, at t: TimeMs) throws {
        var deposit = Deposit()
        deposit.account = account
        deposit.amount = amount
        try require(.deposit(deposit), at: t)
    }

    private func oracle(price: Price, at t: TimeMs) -> Event {
        var p = OraclePrice()
        p.market = market
        p.price = price
        p.publishTime = t
        return .oraclePrice(p)
    }

    /// One step: bids, the oracle price with impact, a clock while auctions run.
    mutating func step(at t: TimeMs) throws {
        metrics.advance(to: t, auctions: board.count, insurance: insuranceEquity)
        recorded = cursor.price(at: t)
        try placeBids(at: t)
        try unwind(at: t)
        impact.advance()
        peakImpact = min(peakImpact, impact.fraction)
        mark = impact.mark(recorded: recorded, tick: sim.listing.tickSize)
        markRecorded = recorded
        lowestMark = min(lowestMark, mark)
        try submit(oracle(price: mark, at: t), at: t)
        try openPairs(until: t)
        if !board.isEmpty { try submit(.clock(Clock()), at: t) }
        metrics.step(recorded: recorded, mark: mark, auctions: board.count)
    }

    private mutating func placeBids(at t: TimeMs) throws {
        guard !board.isEmpty, !desk.profiles.isEmpty else { return }
        let params = self.params
        let desk = self.desk
        for id in board.entries.map(\.id) {
            guard let first = board.entry(id) else { continue }
            // Bids change the remainder, never the curve (only a `clock` resets it): one price per step.
            let price = AuctionPrice.price(curve: params.curve, start: first.startPrice, elapsedMs: t - first.startTimeMs,
                                           direction: first.direction, params: params)
            // The bots in order, each seeing the state and the auction the bids before it left:
            // the state is read once per bid placed, not once per bot (each read of the
            // journal's state is a copy of the ledger's arrays, retained and released).
            var next = 0
            while next < desk.profiles.count, let entry = board.entry(id) {
                let mark = self.mark
                let (b, bid) = sink.withLedger { ledger -> (Int, AuctionBid?) in
                    for b in next..<desk.profiles.count {
                        if let bid = desk.bid(bot: b, on: entry, price: price, mark: mark, at: t, ledger: ledger, params: params) {
                            return (b, bid)
                        }
                    }
                    return (desk.profiles.count, nil)
                }
                next = b + 1
                guard let bid else { break }
                try submit(.auctionBid(bid), at: t)
            }
        }
    }

    /// Recycling: each bot sells (buys back) this step's slices of its fills to its hedge account
    /// at the mark; an accepted sale enters the impact flow like a liquidation fill.
    private mutating func unwind(at t: TimeMs) throws {
        guard recycler.isActive else { return }
        for (b, bot) in desk.profiles.enumerated() {
            guard let view = sink.ledger.account(bot.id), view.state != .liquidating else { continue }
            let held = view.positions.first?.qty.raw ?? 0
            let due = recycler.due(bot: b, held: held)
            guard due != 0 else { continue }
            let hedge = Liquidity.hedgeAccount(for: bot.id)
            var trade = Trade()
            trade.market = market
            trade.buyer = due > 0 ? hedge : bot.id
            trade.seller = due > 0 ? bot.id : hedge
            trade.qty = Quantity(raw: abs(due))
            trade.price = mark
            guard let records = try submit(.trade(trade), at: t),
                  !records.contains(where: { if case .tradeRejected = $0.event { true } else { false } })
            else { continue }
            recycler.unwound(bot: b, amount: due)
            impact.add(qty: trade.qty, price: mark, selling: due > 0)
            metrics.totals.botUnwoundNotional += trade.qty.notional(at: mark, rounding: .down)
        }
    }

    /// A set-up input the ledger must accept (its refusal names the reason).
    private mutating func require(_ event: Event, at t: TimeMs) throws {
        do { try sink.ledger.check(event) } catch { throw SimulationError(input: event.kind.name, error: error) }
        try submit(event, at: t)
    }

    @discardableResult
    mutating func submit(_ event: Event, at t: TimeMs) throws -> [Record]? {
        guard let records = try sink.submit(event, at: t) else { return nil }
        let callBuffer = sink.ledger.global.params.callBuffer
        for record in records {
            if recycler.isActive, case .auctionFill(let p) = record.event, let auction = board.entry(p.auction) {
                recycler.observeFill(p, bought: auction.direction == .falling)
            }
            // Fills are read before the board forgets a finished auction.
            metrics.observe(record, board: board, impact: &impact, recorded: markRecorded, callBuffer: callBuffer)
            board.observe(record)
        }
        return records
    }

    var insuranceEquity: Money { sink.ledger.margin(.insurance)?.equity ?? .zero }

    mutating func finish() throws -> SimResult {
        metrics.finish(auctions: board.count, insurance: insuranceEquity)
        try sink.finish()
        let summary = SimSummary(run: self)
        return SimResult(summary: summary, minutes: metrics.minutes, ledger: sink.ledger)
    }
}

/// A set-up input the ledger refused (e.g. an invalid `--params` value).
public struct SimulationError: Error, CustomStringConvertible {
    public var input: String
    public var error: InputError
    public var description: String { "\(input) refused: \(error)" }
}
