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
        guard timeMs - entry.startTimeMs >= bot.delayMs, entry.account != bot.id else { return nil }
        let buying = entry.direction == .falling
        let limit = buying ? mark.times(.one - bot.discount, rounding: .down) : mark.times(.one + bot.discount, rounding: .up)
        guard buying ? price <= limit : price >= limit else { return nil }
        guard let capacity = capacity(bot: bot, buying: buying, price: price, ledger: ledger) else { return nil }
        var qty = min(capacity, entry.remaining)
        // A fill may not leave a remainder under the dust notional (SPEC §5.5): take all or none.
        let rest = entry.remaining - qty
        if rest.isPositive && rest.notional(at: price, rounding: .down) < params.dustNotional {
            guard capacity >= entry.remaining else { return nil }
            qty = entry.remaining
        }
        guard qty.isPositive else { return nil }
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
