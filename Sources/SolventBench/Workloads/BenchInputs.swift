import SolventCore
import SolventRandom

/// Inputs the generated bench histories share (MixedHistory, LiquidatingHistory, RestartBench):
/// one place for how a random trade, a small funding and an opening pair trade are drawn, so the
/// histories differ only in what they are for.
enum BenchInputs {
    /// A trade of 0.1–1.0 between two distinct accounts among the first `count` of `ids`, priced
    /// within ±10 ticks of 0.1 around `priceTicks`. Draws buyer, seller, qty, price in that order.
    static func randomTrade(market: MarketID, ids: [AccountID], among count: Int, priceTicks: Int64,
                            random: inout SplitMix64) -> Event {
        let buyer = Int(random.below(UInt64(count)))
        var seller = Int(random.below(UInt64(count - 1)))
        if seller >= buyer { seller += 1 }
        var trade = Trade()
        trade.market = market
        trade.buyer = ids[buyer]
        trade.seller = ids[seller]
        trade.qty = Quantity(raw: Int64(1 + random.below(10)) * 100_000)
        trade.price = Price(raw: (priceTicks + Int64(random.below(21)) - 10) * 10_000_000)
        return .trade(trade)
    }

    /// Funding at a rate within ±0.000001: every holder's cash moves, nobody's margin does.
    static func smallFunding(market: MarketID, random: inout SplitMix64) -> Event {
        var funding = Funding()
        funding.market = market
        funding.rate = Rate(raw: Int64(random.below(201)) - 100)
        return .funding(funding)
    }

    /// The opening trade of a long/short pair: 0.1 at 30,000.
    static func pairTrade(market: MarketID, buyer: AccountID, seller: AccountID) -> Trade {
        var trade = Trade()
        trade.market = market
        trade.buyer = buyer
        trade.seller = seller
        trade.qty = Quantity(raw: 10_000_000)      // 0.1
        trade.price = Price(units: 30_000)
        return trade
    }
}
