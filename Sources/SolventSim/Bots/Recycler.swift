import SolventBotPolicy
import SolventCore

/// What the bots do with what they win in auctions (docs/CASCADES.md "Liquidity that recycles").
public enum Liquidity: Equatable, Sendable {
    /// Bots hold everything they buy: their capital is used up after the first wave (the
    /// conservative case, the model before issue 21).
    case hold
    /// Each fill is unwound in equal slices, one per step, over `horizonMs` of path time: a bot
    /// sells what it bought (buys back what it sold short) with a `trade` against its own hedge
    /// account (`hedge-k` for `bot-k`), at the mark, and the sale enters the impact model's flow
    /// like a liquidation fill, so the capital turns over.
    ///
    /// Basis of the default (10 minutes, in slices of one 5 s step): an assumption, not a measured
    /// figure. Liquidators and market makers on perpetuals are generally described as hedging on spot
    /// or another venue within seconds to minutes of a fill; no source cited here gives their holding
    /// times. 10 minutes is a slow point in that range and equals the impact half-life
    /// (`ImpactModel`), so the unwinding flow is spread about as long as the book takes to refill;
    /// slices are the finest the simulation has (one per oracle step). `--holding-horizon`
    /// explores 5–30 minutes (docs/CASCADES.md "Liquidity that recycles").
    case recycle(horizonMs: Int64)

    public static let defaultHorizonMs: Int64 = 600_000
    public static let `default` = Liquidity.recycle(horizonMs: defaultHorizonMs)

    /// The hedge account standing for "elsewhere" (spot, another venue) for bot `id`.
    static func hedgeAccount(for bot: AccountID) -> AccountID {
        AccountID(valid: "hedge-" + bot.text.dropFirst("bot-".count))
    }
}

/// The bots' inventory to unwind: per bot, the fills not yet sold back, each with its slice.
struct Recycler {
    struct Tranche {
        /// Signed raw quantity still to unwind: positive when the bot bought (sells it back).
        var remaining: Int64
        /// Raw quantity per step (a whole number of lots, ≥ 1 lot).
        var slice: Int64
    }

    let slices: Int64
    let lot: Int64
    let botIndex: [AccountID: Int]
    private(set) var tranches: [[Tranche]]

    init(liquidity: Liquidity, bots: [BotProfile], lot: Quantity, stepMs: Int64) {
        if case .recycle(let horizonMs) = liquidity {
            slices = max(1, Int64(horizonMs / max(stepMs, 1)))
        } else {
            slices = 0
        }
        self.lot = max(lot.raw, 1)
        var index: [AccountID: Int] = [:]
        for (i, bot) in bots.enumerated() { index[bot.id] = i }
        botIndex = index
        tranches = Array(repeating: [], count: bots.count)
    }

    var isActive: Bool { slices > 0 }

    /// A bot's fill: `bought` when it took a falling auction (it is now long that quantity).
    mutating func observeFill(_ p: AuctionFill, bought: Bool) {
        guard isActive, let b = botIndex[p.bidder] else { return }
        let qty = p.qty.raw
        let perSlice = (qty + slices - 1) / slices
        let slice = max(lot, (perSlice + lot - 1) / lot * lot)
        tranches[b].append(Tranche(remaining: bought ? qty : -qty, slice: slice))
    }

    /// The signed raw quantity bot `b` should unwind this step given its position `held`
    /// (positive: sell). Drops tranches that no longer match the position's side.
    mutating func due(bot b: Int, held: Int64) -> Int64 {
        guard !tranches[b].isEmpty else { return 0 }
        if held == 0 { tranches[b].removeAll(); return 0 }
        tranches[b].removeAll { ($0.remaining > 0) != (held > 0) }
        var total: Int64 = 0
        for t in tranches[b] { total += min(t.slice, abs(t.remaining)) }
        total = min(total, abs(held))
        return held > 0 ? total : -total
    }

    /// Marks `amount` (signed like `due`) as unwound, tranche by tranche.
    mutating func unwound(bot b: Int, amount: Int64) {
        var left = abs(amount)
        for i in tranches[b].indices where left > 0 {
            let take = min(left, tranches[b][i].slice, abs(tranches[b][i].remaining))
            tranches[b][i].remaining += tranches[b][i].remaining > 0 ? -take : take
            left -= take
        }
        tranches[b].removeAll { $0.remaining == 0 }
    }
}
