import SolventBotPolicy
import SolventCore

/// The figures of one run, in the stable order of the JSON summary (docs/CASCADES.md "Output").
public struct SimSummary: Equatable, Sendable {
    public var market: MarketID
    public var startMs: TimeMs
    public var endMs: TimeMs
    public var accounts: Int
    public var bots: Int
    public var seed: UInt64
    public var params: RiskParams
    public var impact: ImpactModel
    public var stepMs: Int64
    public var openInterest: Money
    public var insuranceStart: Money
    public var insuranceEnd: Money
    public var insuranceMin: Money
    public var liquidations: Int
    public var partialLiquidations: Int
    public var liquidatedAccounts: Int
    public var maintenanceTriggers: Int
    public var marginCallTriggers: Int
    public var cascadeDepth: Int
    public var liquidatedNotional: Money
    public var peakLiquidationsPerMinute: Int
    public var maxAuctionsRunning: Int
    public var auctionsRunningAtEnd: Int
    public var deferred: Int
    public var backstops: Int
    public var backstopNotional: Money
    public var adlEvents: Int
    public var adlNotional: Money
    public var fundDeleverages: Int
    public var fundADLNotional: Money
    public var badDebt: Money
    public var insurancePaid: Money
    public var penalties: Money
    public var bidsFilled: Int
    public var bidsRejected: Int
    public var botFillNotional: Money
    public var botUnwoundNotional: Money
    public var liquidity: Liquidity
    /// The world's capital as fractions of open interest (`SimConfig`).
    public var botCapitalRatio: Double
    public var insuranceRatio: Double
    public var marginCalls: Int
    public var oracleRejected: Int
    public var lowestRecorded: Price
    public var lowestMark: Price
    public var peakImpact: Double
    public var inputs: Int
    public var records: UInt64
}

extension SimSummary {
    init(run: RunState) {
        let totals = run.metrics.totals
        let minutes = run.metrics.minutes
        market = run.sim.listing.market
        startMs = run.sim.path.startMs
        endMs = run.sim.path.endMs
        accounts = run.sim.population.pairs.count * 2
        bots = run.sim.population.bots.count
        seed = run.sim.config.seed
        params = run.sink.ledger.params(market: run.sim.listing.market)?.params ?? RiskParams()
        impact = run.sim.config.impact
        stepMs = run.sim.config.stepMs
        openInterest = run.sim.population.openInterest
        insuranceStart = run.sim.population.insuranceDeposit
        insuranceEnd = run.insuranceEquity
        insuranceMin = minutes.map(\.insuranceEquity).min() ?? insuranceEnd
        liquidations = totals.liquidations
        partialLiquidations = totals.partialLiquidations
        liquidatedAccounts = totals.liquidatedAccounts.count
        maintenanceTriggers = totals.maintenanceTriggers
        marginCallTriggers = totals.marginCallTriggers
        cascadeDepth = totals.cascadeDepth
        liquidatedNotional = totals.liquidatedNotional
        peakLiquidationsPerMinute = minutes.map(\.liquidations).max() ?? 0
        maxAuctionsRunning = totals.maxAuctionsRunning
        auctionsRunningAtEnd = run.board.count
        deferred = totals.deferred
        backstops = totals.backstops
        backstopNotional = totals.backstopNotional
        adlEvents = totals.adlEvents
        adlNotional = totals.adlNotional
        fundDeleverages = totals.fundDeleverages
        fundADLNotional = totals.fundADLNotional
        badDebt = totals.badDebt
        insurancePaid = totals.insurancePaid
        penalties = totals.penalties
        bidsFilled = totals.bidsFilled
        bidsRejected = totals.bidsRejected
        botFillNotional = totals.botFillNotional
        botUnwoundNotional = totals.botUnwoundNotional
        liquidity = run.sim.config.liquidity
        botCapitalRatio = run.sim.config.botCapitalRatio
        insuranceRatio = run.sim.config.insuranceRatio
        marginCalls = totals.marginCalls
        oracleRejected = totals.oracleRejected
        lowestRecorded = run.sim.path.candles.map(\.low).min() ?? run.sim.path.firstPrice
        lowestMark = run.lowestMark
        peakImpact = run.peakImpact
        inputs = run.sink.inputs
        records = run.sink.ledger.lastSeq.rawValue
    }

    /// The figures a comparison puts side by side, in order: (key, value as text).
    public var figures: [(key: String, value: JSONValue)] {
        [
            ("liquidations", count(liquidations)),
            ("partialLiquidations", count(partialLiquidations)),
            ("liquidatedAccounts", count(liquidatedAccounts)),
            ("maintenanceTriggers", count(maintenanceTriggers)),
            ("marginCallTriggers", count(marginCallTriggers)),
            ("cascadeDepth", count(cascadeDepth)),
            ("liquidatedNotional", liquidatedNotional.json),
            ("peakLiquidationsPerMinute", count(peakLiquidationsPerMinute)),
            ("maxAuctionsRunning", count(maxAuctionsRunning)),
            ("auctionsRunningAtEnd", count(auctionsRunningAtEnd)),
            ("deferred", count(deferred)),
            ("backstops", count(backstops)),
            ("backstopNotional", backstopNotional.json),
            ("adlEvents", count(adlEvents)),
            ("adlNotional", adlNotional.json),
            ("fundDeleverages", count(fundDeleverages)),
            ("fundADLNotional", fundADLNotional.json),
            ("badDebt", badDebt.json),
            ("insuranceStart", insuranceStart.json),
            ("insuranceEnd", insuranceEnd.json),
            ("insuranceMin", insuranceMin.json),
            ("insurancePaid", insurancePaid.json),
            ("penalties", penalties.json),
            ("bidsFilled", count(bidsFilled)),
            ("bidsRejected", count(bidsRejected)),
            ("botFillNotional", botFillNotional.json),
            ("botUnwoundNotional", botUnwoundNotional.json),
            ("marginCalls", count(marginCalls)),
            ("oracleRejected", count(oracleRejected)),
            ("lowestRecorded", lowestRecorded.json),
            ("lowestMark", lowestMark.json),
            ("peakImpact", .number(Self.fixed(peakImpact, digits: 6))),
            ("inputs", count(inputs)),
            ("records", .number(String(records))),
        ]
    }

    private func count(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The run's setting: path, population, parameters, impact model.
    public var setting: [JSONMember] {
        [
            JSONMember("market", market.json),
            JSONMember("start", .string(UTCTime.format(ms: startMs))),
            JSONMember("end", .string(UTCTime.format(ms: endMs))),
            JSONMember("accounts", count(accounts)),
            JSONMember("bots", count(bots)),
            JSONMember("seed", .number(String(seed))),
            JSONMember("stepMs", .number(String(stepMs))),
            JSONMember("openInterest", openInterest.json),
            JSONMember("impact", .object([
                JSONMember("model", .string(impact.kind.rawValue)),
                JSONMember("coefficient", .number(Self.fixed(impact.coefficient, digits: 6))),
                JSONMember("halfLifeMs", .number(String(impact.halfLifeMs))),
            ])),
            JSONMember("liquidity", liquidity.json),
            JSONMember("capital", .object([
                JSONMember("bots", .number(Self.fixed(botCapitalRatio, digits: 4))),
                JSONMember("insurance", .number(Self.fixed(insuranceRatio, digits: 4))),
            ])),
            JSONMember("params", RecordJSON.json(payload: ParamsSet(full: params))),
        ]
    }

    /// `{setting…, "figures": {…}}`, keys in a fixed order.
    public var json: JSONValue {
        .object(setting + [JSONMember("figures", .object(figures.map { JSONMember($0.key, $0.value) }))])
    }

    /// A Double as fixed-point text (JSON numbers, never exponents).
    static func fixed(_ value: Double, digits: Int) -> String {
        let scale = (0..<digits).reduce(1.0) { acc, _ in acc * 10 }
        let scaled = Int64((value * scale).rounded())
        return DecimalText.format(scaled * Int64(fixedScale / Int64(scale)))
    }
}

extension MinuteRow {
    /// One minute as a JSON object (`perMinute` of `--series`).
    public var json: JSONValue {
        .object([
            JSONMember("time", .string(UTCTime.format(ms: timeMs))),
            JSONMember("recorded", recorded.json),
            JSONMember("mark", mark.json),
            JSONMember("liquidations", .number(String(liquidations))),
            JSONMember("liquidatedNotional", liquidatedNotional.json),
            JSONMember("cascade", .number(String(cascade))),
            JSONMember("auctionsRunning", .number(String(auctionsRunning))),
            JSONMember("insurance", insuranceEquity.json),
            JSONMember("badDebt", badDebt.json),
            JSONMember("adl", .number(String(adl))),
        ])
    }
}

extension Liquidity {
    /// `{"model": "hold"}` or `{"model": "recycle", "holdingHorizonMs": …}`.
    var json: JSONValue {
        switch self {
        case .hold: .object([JSONMember("model", .string("hold"))])
        case .recycle(let horizonMs):
            .object([JSONMember("model", .string("recycle")), JSONMember("holdingHorizonMs", .number(String(horizonMs)))])
        }
    }
}
