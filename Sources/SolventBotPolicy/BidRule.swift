import SolventCore

/// The rules every reference bidder follows, the simulator's in-process bots (SolventSim's
/// `BotDesk`) and `solvent bot` alike (docs/BOTS.md): when to bid, at what limit, and how much
/// the engine's dust rule lets it take.
public enum BidRule {
    /// The worst price the bidder accepts: it buys from a falling auction at ≤ mark × (1 − discount),
    /// rounded down, and sells into a rising one at ≥ mark × (1 + discount), rounded up — each
    /// rounding in the bidder's favour, so the discount is never short by a unit.
    public static func limit(mark: Price, discount: Rate, direction: AuctionDirection) -> Price {
        switch direction {
        case .falling: mark.times(.one - discount, rounding: .down)
        case .rising: mark.times(.one + discount, rounding: .up)
        }
    }

    /// Whether the auction's `price` is inside `limit` — the engine's own limit test (Fills.swift).
    public static func reaches(price: Price, limit: Price, direction: AuctionDirection) -> Bool {
        direction == .falling ? price <= limit : price >= limit
    }

    /// Whether `reactionMs` has passed since the auction's curve started (or last reset).
    public static func hasReacted(_ entry: AuctionBoard.Entry, nowMs: TimeMs, reactionMs: Int64) -> Bool {
        nowMs - entry.startTimeMs >= reactionMs
    }

    /// The quantity to bid given what the bidder can carry (`capacity`, a magnitude) and what
    /// the auction has left: `min(capacity, remaining)`, unless that would leave a remainder under
    /// `dustNotional` — the engine refuses such a fill (SPEC §5.5, `dust_remainder`, tested with
    /// the notional rounded up as here) — when it must take all or nothing. Nil: no bid.
    public static func size(capacity: Quantity, remaining: Quantity, price: Price, dustNotional: Money) -> Quantity? {
        var qty = min(capacity, remaining)
        let rest = remaining - qty
        if rest.isPositive && rest.notional(at: price, rounding: .up) < dustNotional {
            guard capacity >= remaining else { return nil }
            qty = remaining
        }
        return qty.isPositive ? qty : nil
    }
}
