import Foundation
import SolventCore
import SolventRandom

/// The replay bench's workload: `MixedHistory`'s mix on an oracle path that swings far enough
/// to liquidate, so the replay re-derives margin calls, liquidations, auctions, the fund's
/// backstop and ADL, not only trades.
///
/// One market. 92 % of the accounts are funded with 100,000 and trade between themselves (90 % of
/// the events, small sizes at the current price). 8 % are leveraged, in long/short pairs holding
/// 0.1 BTC opened at 30,000 on deposits spread over [200, 1,200): a long's maintenance trigger
/// (equity ≈ deposit − 0.1 × (30,000 − price) down to its margin) lies over ≈ 18,000–28,000, a
/// short's over ≈ 32,000–42,000.
/// The oracle follows two full sine cycles of ±20 % (24,000–36,000) with a small random walk on
/// top, so about 40 % of the leveraged accounts (≈ 3 % of all) are liquidated, long side on the
/// way down, short side on the way up. Nobody bids: auctions run down on `clock` (one every
/// second of log time) to the bankruptcy price, where the fund (funded
/// only by penalties and rounding) backstops what its margin allows and ADL takes the rest.
/// Log time is ≈ 10,000 s whatever the size (one millisecond per event at 10M).
struct LiquidatingHistory: Sequence, IteratorProtocol {
    let accounts: Int
    let total: Int
    private var produced = 0
    private var random = SplitMix64(state: 11)
    private var noiseTicks: Int64 = 0
    private var priceTicks: Int64 = 300_000        // 30000.0 at tick 0.1
    private let market = MarketID(valid: "BTC-PERP")
    private let ids: [AccountID]
    /// Accounts [0, funded) trade at random; [funded, accounts) are the leveraged pairs.
    let funded: Int
    /// Leveraged deposits not yet made, then pairs' trades not yet made (setup order).
    private var setupEvents: [Event] = []

    /// Log time per event: the log spans ≈ 10,000 s (2.8 h) whatever `total` is, so a scaled-down
    /// run still gives auctions the time to run down (stairstep, 1 % per 10 s by default).
    let msPerEvent: Int
    /// A `clock` every second of log time.
    var clockEvery: Int { Swift.max(1, 1_000 / msPerEvent) }

    init(accounts: Int, total: Int) {
        self.accounts = accounts
        self.total = total
        msPerEvent = Swift.max(1, 10_000_000 / Swift.max(total, 1))
        ids = (0..<accounts).map { AccountID(valid: "acct-\($0)") }
        let leveraged = Swift.max(2, accounts * 8 / 100) / 2 * 2
        funded = accounts - leveraged
        var setup = SplitMix64(state: 0x1E7)
        var events: [Event] = []
        for index in funded..<accounts {
            events.append(Self.deposit(ids[index], raw: (200 + setup.int64(below: 1_000)) * 100_000_000 + setup.int64(below: 100_000_000)))
        }
        for pair in stride(from: funded, to: accounts, by: 2) {
            events.append(.trade(BenchInputs.pairTrade(market: market, buyer: ids[pair], seller: ids[pair + 1])))
        }
        setupEvents = events
    }

    /// The number of events before the mix starts: listing, first price, deposits, pair trades.
    var setupCount: Int { 2 + funded + setupEvents.count }

    mutating func next() -> (TimeMs, Event)? {
        guard produced < total else { return nil }
        defer { produced += 1 }
        let time = TimeMs(Int64(produced * msPerEvent))
        if produced == 0 { return (time, .marketListed(MixedHistory.listing(market))) }
        if produced == 1 { return (time, oracle()) }
        if produced - 2 < funded { return (time, Self.deposit(ids[produced - 2], raw: 100_000 * 100_000_000)) }
        let setupIndex = produced - 2 - funded
        if setupIndex < setupEvents.count { return (time, setupEvents[setupIndex]) }
        if produced % clockEvery == 0 { return (time, .clock(Clock())) }
        switch random.below(100_000) {
        case 0..<90_000: return (time, trade())
        case 90_000..<99_000: return (time, moveOracle())
        case 99_000..<99_999: return (time, Self.deposit(ids[Int(random.below(UInt64(funded)))], raw: 1_000 * 100_000_000))
        default: return (time, funding())
        }
    }

    private static func deposit(_ account: AccountID, raw: Int64) -> Event {
        var deposit = Deposit()
        deposit.account = account
        deposit.amount = Money(raw: raw)
        return .deposit(deposit)
    }

    private func oracle() -> Event {
        var price = OraclePrice()
        price.market = market
        price.price = Price(raw: priceTicks * 10_000_000)
        price.publishTime = TimeMs(Int64(produced * msPerEvent))
        return .oraclePrice(price)
    }

    /// Two sine cycles of ±20 % over the mixed part of the log, plus a walk of ±100 ticks.
    private mutating func moveOracle() -> Event {
        noiseTicks = Swift.min(Swift.max(noiseTicks + Int64(random.below(21)) - 10, -1_000), 1_000)
        let start = setupCount
        let phase = Double(produced - start) / Double(Swift.max(total - start, 1))
        let wave = 300_000 * (1 + 0.2 * sin(2 * Double.pi * 2 * phase))
        priceTicks = Int64(wave.rounded()) + noiseTicks
        return oracle()
    }

    private mutating func trade() -> Event {
        BenchInputs.randomTrade(market: market, ids: ids, among: funded, priceTicks: priceTicks, random: &random)
    }

    private mutating func funding() -> Event {
        BenchInputs.smallFunding(market: market, random: &random)
    }
}
