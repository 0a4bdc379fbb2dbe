import SolventBotPolicy
import SolventCore

/// One minute of a run, as charted and as `perMinute` in the JSON summary.
public struct MinuteRow: Equatable, Sendable {
    public var timeMs: TimeMs
    /// Recorded price and simulated mark at the minute's last step.
    public var recorded: Price
    public var mark: Price
    public var liquidations = 0
    /// Filled auction quantity (bots and backstop) plus ADL, at their prices.
    public var liquidatedNotional = Money.zero
    /// Liquidations that started this minute only because impact moved the mark.
    public var cascade = 0
    /// Auctions running at the minute's end.
    public var auctionsRunning = 0
    public var insuranceEquity = Money.zero
    /// Cumulative bad debt (shortfall the fund did not pay) at the minute's end.
    public var badDebt = Money.zero
    public var adl = 0
}

/// Totals of a run, read off the records as they are appended.
struct RunTotals: Equatable {
    var liquidations = 0
    /// Liquidations that closed only part of the position they chose (SPEC §5.3, `liqStep`).
    var partialLiquidations = 0
    var maintenanceTriggers = 0
    var marginCallTriggers = 0
    var cascadeDepth = 0
    var liquidatedNotional = Money.zero
    var deferred = 0
    var backstops = 0
    var backstopNotional = Money.zero
    var adlEvents = 0
    var adlNotional = Money.zero
    /// Rules 2: the fund's own deleveragings (`insurance.deleveraged`) and the notional their
    /// `adl` records closed. Kept apart from `adlNotional`: it passes on risk the fund already
    /// took at a backstop, which `liquidatedNotional` counted once.
    var fundDeleverages = 0
    var fundADLNotional = Money.zero
    var fundDeleverageIDs = Set<Seq>()
    var badDebt = Money.zero
    var insurancePaid = Money.zero
    var penalties = Money.zero
    var bidsFilled = 0
    var bidsRejected = 0
    var botFillNotional = Money.zero
    /// Recycling: what the bots sold (bought back) to their hedge accounts, at the mark.
    var botUnwoundNotional = Money.zero
    var marginCalls = 0
    var oracleRejected = 0
    var haltedMarkets = 0
    var maxAuctionsRunning = 0
    var records: UInt64 = 0
    var liquidatedAccounts = Set<AccountID>()
}

/// Reads every record of a run: totals, the minute series, the impact flow and cascade depth.
struct RunMetrics {
    var totals = RunTotals()
    private(set) var minutes: [MinuteRow] = []
    private var current: MinuteRow
    let startMs: TimeMs
    let tiers: [Tier]

    init(startMs: TimeMs, firstPrice: Price) {
        self.startMs = startMs
        tiers = MarketSetup.tiers
        current = MinuteRow(timeMs: startMs, recorded: firstPrice, mark: firstPrice)
    }

    /// `recorded` is the path's price at the record's time, for the cascade test.
    mutating func observe(_ record: Record, board: AuctionBoard, impact: inout PriceImpact, recorded: Price, callBuffer: Rate) {
        totals.records = record.seq.rawValue
        switch record.event {
        case .liquidationStarted(let p):
            totals.liquidations += 1
            current.liquidations += 1
            totals.liquidatedAccounts.insert(p.account)
            if Self.isPartial(p) { totals.partialLiquidations += 1 }
            if p.trigger == .maintenance { totals.maintenanceTriggers += 1 } else { totals.marginCallTriggers += 1 }
            if Self.causedByImpact(p, recorded: recorded, callBuffer: callBuffer) {
                totals.cascadeDepth += 1
                current.cascade += 1
            }
        case .liquidationDeferred:
            totals.deferred += 1
        case .auctionFill(let p):
            observeFill(p, board: board, impact: &impact)
        case .auctionBidRejected:
            totals.bidsRejected += 1
        case .insuranceDeleveraged:
            totals.fundDeleverages += 1
            totals.fundDeleverageIDs.insert(record.seq)
        case .adl(let p) where totals.fundDeleverageIDs.contains(p.liquidation):
            totals.fundADLNotional += p.qty.notional(at: p.price, rounding: .down)
        case .adl(let p):
            let notional = p.qty.notional(at: p.price, rounding: .down)
            totals.adlEvents += 1
            totals.adlNotional += notional
            totals.liquidatedNotional += notional
            current.liquidatedNotional += notional
            current.adl += 1
        case .liquidationFinished(let p):
            totals.badDebt += p.shortfall - p.insurancePaid
            totals.insurancePaid += p.insurancePaid
        case .marginCall: totals.marginCalls += 1
        case .oracleRejected: totals.oracleRejected += 1
        case .marketHalted: totals.haltedMarkets += 1
        default: break
        }
    }

    /// Whether the liquidation closes less than the whole position in its market.
    static func isPartial(_ p: LiquidationStarted) -> Bool {
        guard let position = p.positions.first(where: { $0.market == p.market }) else { return false }
        return p.qty.magnitude < position.qty.magnitude
    }

    private mutating func observeFill(_ p: AuctionFill, board: AuctionBoard, impact: inout PriceImpact) {
        guard let auction = board.entry(p.auction) else { return }
        totals.penalties += p.penalty
        let notional = p.qty.notional(at: p.price, rounding: .down)
        if p.bidder != .insurance {
            totals.bidsFilled += 1
            totals.botFillNotional += notional
        }
        // The fund's unwind passes on risk it already took: counted once, at the backstop.
        guard !auction.isFundUnwind else { return }
        if p.bidder == .insurance {
            totals.backstops += 1
            totals.backstopNotional += notional
        }
        totals.liquidatedNotional += notional
        current.liquidatedNotional += notional
        impact.add(qty: p.qty, price: p.price, selling: auction.direction == .falling)
    }

    /// Whether the account would not have been liquidated at the recorded price: for a
    /// `maintenance` trigger, equity > MM there; for an expired margin call, equity at or above
    /// the zone top there. Judged with the account as `liquidation.started` records it.
    static func causedByImpact(_ p: LiquidationStarted, recorded: Price, callBuffer: Rate) -> Bool {
        guard p.positions.count == 1, let position = p.positions.first, position.mark != recorded else { return false }
        let value = position.qty.value(at: recorded, rounding: .down)
        let equity = p.equity - position.value + value
        let mm = MarketSetup.maintenance(qty: position.qty, price: recorded)
        switch p.trigger {
        case .maintenance: return equity > mm
        case .marginCallExpired: return equity >= mm + mm.times(callBuffer, rounding: .up)
        }
    }

    /// Closes minutes up to `timeMs` (exclusive) with the state as it stands.
    mutating func advance(to timeMs: TimeMs, auctions: Int, insurance: Money) {
        while timeMs >= current.timeMs + 60_000 {
            closeMinute(auctions: auctions, insurance: insurance)
        }
    }

    mutating func step(recorded: Price, mark: Price, auctions: Int) {
        current.recorded = recorded
        current.mark = mark
        totals.maxAuctionsRunning = max(totals.maxAuctionsRunning, auctions)
    }

    mutating func finish(auctions: Int, insurance: Money) {
        closeMinute(auctions: auctions, insurance: insurance)
    }

    private mutating func closeMinute(auctions: Int, insurance: Money) {
        current.auctionsRunning = auctions
        current.insuranceEquity = insurance
        current.badDebt = totals.badDebt
        minutes.append(current)
        current = MinuteRow(timeMs: current.timeMs + 60_000, recorded: current.recorded, mark: current.mark)
    }
}
