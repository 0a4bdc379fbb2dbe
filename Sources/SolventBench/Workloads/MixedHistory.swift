import SolventCore
import SolventRandom

/// A seeded mixed history for benches: one market, `accounts` funded accounts, then trades
/// between random pairs, oracle prices on a random walk, occasional deposits and funding.
struct MixedHistory: Sequence, IteratorProtocol {
    let accounts: Int
    let total: Int
    private var produced = 0
    private var random = SplitMix64(state: 7)
    private var priceTicks: Int64 = 300_000        // 30000.0 at tick 0.1
    private let market = MarketID(valid: "BTC-PERP")
    private let ids: [AccountID]

    init(accounts: Int, total: Int) {
        self.accounts = accounts
        self.total = total
        ids = (0..<accounts).map { AccountID(valid: "acct-\($0)") }
    }

    static func listing(_ market: MarketID) -> MarketListed {
        var listed = MarketListed()
        listed.market = market
        listed.lotSize = Quantity(raw: 100_000)           // 0.001
        listed.tickSize = Price(raw: 10_000_000)          // 0.1
        listed.tiers = [
            Tier(notionalCap: Money(units: 50_000), mmr: Rate(raw: 400_000), imr: Rate(raw: 800_000), maintAmount: .zero),
            Tier(notionalCap: Money(units: 250_000), mmr: Rate(raw: 500_000), imr: Rate(raw: 1_000_000), maintAmount: Money(units: 50)),
            Tier(notionalCap: Money(units: 100_000_000), mmr: Rate(raw: 1_000_000), imr: Rate(raw: 2_000_000), maintAmount: Money(units: 1_300)),
        ]
        return listed
    }

    /// (time, event) pairs; time advances by one millisecond per event.
    mutating func next() -> (TimeMs, Event)? {
        guard produced < total else { return nil }
        defer { produced += 1 }
        let time = TimeMs(Int64(produced))
        if produced == 0 { return (time, .marketListed(Self.listing(market))) }
        if produced == 1 { return (time, oracle()) }
        if produced - 2 < accounts { return (time, deposit(ids[produced - 2], units: 100_000)) }
        // Funding touches every open position, so it is rare, as in life (every 8 hours).
        switch random.below(100_000) {
        case 0..<90_000: return (time, trade())
        case 90_000..<99_000: return (time, moveOracle())
        case 99_000..<99_999: return (time, deposit(ids[Int(random.below(UInt64(accounts)))], units: 1_000))
        default: return (time, funding())
        }
    }

    private func deposit(_ account: AccountID, units: Int64) -> Event {
        var deposit = Deposit()
        deposit.account = account
        deposit.amount = Money(units: units)
        return .deposit(deposit)
    }

    private func oracle() -> Event {
        var price = OraclePrice()
        price.market = market
        price.price = Price(raw: priceTicks * 10_000_000)
        price.publishTime = TimeMs(Int64(produced))
        return .oraclePrice(price)
    }

    private mutating func moveOracle() -> Event {
        priceTicks += Int64(random.below(201)) - 100
        return oracle()
    }

    private mutating func trade() -> Event {
        BenchInputs.randomTrade(market: market, ids: ids, among: accounts, priceTicks: priceTicks, random: &random)
    }

    private mutating func funding() -> Event {
        BenchInputs.smallFunding(market: market, random: &random)
    }
}
