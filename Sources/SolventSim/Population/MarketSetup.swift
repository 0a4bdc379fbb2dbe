import SolventCore

/// The simulated perpetual's listing (docs/CASCADES.md "Market").
public enum MarketSetup {
    /// Binance USDⓈ-M BTCUSDT leverage brackets 1–6 as published in 2021 (max leverage 125x, 100x,
    /// 50x, 20x, 10x, 5x; imr = 1 / max leverage; maintAmount is Binance's "maintenance amount",
    /// which keeps MM continuous at each cap). Caps are notional in quote currency, so the same
    /// table serves every path whatever its price level.
    public static let tiers: [Tier] = [
        tier(cap: 50_000, mmrBp: 40, imrBp: 80, maint: 0),
        tier(cap: 250_000, mmrBp: 50, imrBp: 100, maint: 50),
        tier(cap: 1_000_000, mmrBp: 100, imrBp: 200, maint: 1_300),
        tier(cap: 10_000_000, mmrBp: 250, imrBp: 500, maint: 16_300),
        tier(cap: 20_000_000, mmrBp: 500, imrBp: 1_000, maint: 266_300),
        tier(cap: 50_000_000, mmrBp: 1_000, imrBp: 2_000, maint: 1_266_300),
    ]

    private static func tier(cap: Int64, mmrBp: Int64, imrBp: Int64, maint: Int64) -> Tier {
        Tier(notionalCap: Money(units: cap), mmr: Rate(raw: mmrBp * 10_000), imr: Rate(raw: imrBp * 10_000),
             maintAmount: Money(units: maint))
    }

    /// The listing for `path`: tick = the source's own tick (the largest power of ten dividing
    /// every recorded price); lot = 10^−(d+1) where d is the number of integer digits of the first
    /// price, so one lot is worth between 0.01 and 0.1 of quote currency at the start (at least
    /// 10^−8, the finest quantity).
    public static func listing(market: MarketID, path: PricePath) -> MarketListed {
        var listed = MarketListed()
        listed.market = market
        listed.tickSize = path.tickSize
        listed.lotSize = lot(firstPrice: path.firstPrice)
        listed.tiers = tiers
        return listed
    }

    static func lot(firstPrice: Price) -> Quantity {
        var digits = 0
        var units = firstPrice.raw / fixedScale
        while units > 0 { digits += 1; units /= 10 }
        var raw = fixedScale
        for _ in 0...digits where raw > 1 { raw /= 10 }
        return Quantity(raw: raw)
    }

    /// The tier index for a position of `notional` (the first whose cap is not exceeded).
    static func tierIndex(notional: Money) -> Int {
        tiers.firstIndex { notional <= $0.notionalCap } ?? tiers.count - 1
    }

    /// MM of a position of `qty` at `price` (SPEC §3): max(0, roundUp(notional × mmr) − maintAmount).
    static func maintenance(qty: Quantity, price: Price) -> Money {
        let notional = qty.notional(at: price, rounding: .up)
        let tier = tiers[tierIndex(notional: notional)]
        return max(.zero, notional.times(tier.mmr, rounding: .up) - tier.maintAmount)
    }

    /// A market id from a fixture name: `btcusdt-2021-05-19-1m-…` → `BTCUSDT-PERP`.
    public static func marketID(fileName: String) -> MarketID {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        let symbol = base.split(separator: "-").first.map { $0.uppercased() } ?? "SIM"
        return (try? MarketID(symbol + "-PERP")) ?? MarketID(valid: "SIM-PERP")
    }
}
