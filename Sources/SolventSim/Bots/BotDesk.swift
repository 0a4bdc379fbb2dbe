import SolventBotPolicy
import SolventCore

/// What the bots decide in one step: for each running auction (id order) and each bot (in its
/// order) whose reaction delay has passed since the auction started or reset, a bid when the
/// curve price is inside the bot's limit, as large as its capital allows.
struct BotDesk {
    let profiles: [BotProfile]
    let lot: Quantity

    struct Bid {
        var bot: Int
        var event: AuctionBid
    }

    /// The bid bot `b` would place now on `entry`, nil when it would not.
    func bid(bot b: Int, on entry: AuctionBoard.Entry, price: Price, mark: Price, at timeMs: TimeMs,
             ledger: Ledger, params: RiskParams) -> AuctionBid? {
        let bot = profiles[b]
        guard BidRule.hasReacted(entry, nowMs: timeMs, reactionMs: bot.delayMs), entry.account != bot.id else { return nil }
        let limit = BidRule.limit(mark: mark, discount: bot.discount, direction: entry.direction)
        guard BidRule.reaches(price: price, limit: limit, direction: entry.direction) else { return nil }
        guard let capacity = capacity(bot: bot, buying: entry.direction == .falling, price: price, ledger: ledger),
              let qty = BidRule.size(capacity: capacity, remaining: entry.remaining, price: price, dustNotional: params.dustNotional)
        else { return nil }
        var event = AuctionBid()
        event.auction = entry.id
        event.bidder = bot.id
        event.qty = qty
        event.limitPrice = limit
        return event
    }

    /// Lots the bot can take while its gross notional stays within `maxLeverage × equity`;
    /// nil when it cannot take one or is itself being liquidated.
    private func capacity(bot: BotProfile, buying: Bool, price: Price, ledger: Ledger) -> Quantity? {
        guard let view = ledger.account(bot.id), view.state != .liquidating, view.equity.isPositive else { return nil }
        let held = view.positions.first?.qty.raw ?? 0
        let equity = Double(view.equity.raw) / Double(fixedScale)
        let maxUnits = equity * Double(bot.maxLeverage) / (Double(price.raw) / Double(fixedScale))
        let signedHeld = Double(held) / Double(fixedScale)
        let room = buying ? maxUnits - signedHeld : maxUnits + signedHeld
        guard room > 0 else { return nil }
        let lots = Int64((room * Double(fixedScale) / Double(lot.raw)).rounded(.down))
        guard lots > 0 else { return nil }
        return Quantity(raw: min(lots, Int64.max / lot.raw) * lot.raw)
    }
}
