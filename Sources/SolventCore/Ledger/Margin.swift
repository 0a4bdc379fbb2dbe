// Margin arithmetic of SPEC §3. Every lossy product rounds in the system's favour (SPEC §2):
// value (what the account may count) down; notional, MM and IM (what it must hold) up.

/// One position's contribution to its account's margin, at a given mark.
struct PositionMargin: Equatable, Sendable {
    /// `position * mark / 10^8`, rounded down (SPEC §3 `value`).
    var value: Money
    /// `|position| * mark / 10^8`, rounded up: what the tier and the requirements are taken on.
    var notional: Money
    /// 0-based tier index in force (the last tier when the notional is beyond every cap).
    var tier: Int
    /// `max(0, roundUp(notional * mmr) − maintAmount)`.
    var mm: Money
    /// `roundUp(notional * imr)`.
    var im: Money
    /// `value − openCost`.
    var upnl: Money

    static let zero = PositionMargin(value: .zero, notional: .zero, tier: 0, mm: .zero, im: .zero, upnl: .zero)
}

/// An account's margin summary (SPEC §3), all positions at their marks.
public struct MarginTotals: Equatable, Sendable {
    public var cash: Money
    /// `cash + Σ value`.
    public var equity: Money
    public var mm: Money
    public var im: Money
    /// `Σ uPnL` (signed).
    public var upnl: Money

    /// `equity − IM − max(0, Σ uPnL)`: what may be withdrawn. May be negative; it is reported as
    /// computed and user actions require it to stay ≥ 0 (withdrawal) or equity ≥ IM (trade).
    public var available: Money { equity - im - max(.zero, upnl) }
}

extension MarketState {
    /// The margin of a position of `qty` with `openCost` valued at `mark`.
    func margin(qty: Quantity, openCost: Money, mark: Price) -> PositionMargin {
        Self.margin(tiers: listing.tiers, qty: qty, openCost: openCost, mark: mark)
    }

    /// `margin(qty:openCost:mark:)` from the market's tier table alone. Static for the hot
    /// callers that read markets through their buffer: calling the method on `markets[m]`
    /// there copied the whole market (an 816-byte memmove) whenever it was not inlined.
    static func margin(tiers: [Tier], qty: Quantity, openCost: Money, mark: Price) -> PositionMargin {
        guard !qty.isZero else { return .zero }
        let (value, notional) = valueAndNotional(qty: qty, mark: mark)
        // `MarketListed.marginTierIndex`: the first tier whose cap covers it, else the last.
        var tierIndex = tiers.count - 1
        for index in tiers.indices where notional <= tiers[index].notionalCap {
            tierIndex = index
            break
        }
        let tier = tiers[tierIndex]
        let mm = max(.zero, notional.times(tier.mmr, rounding: .up) - tier.maintAmount)
        let im = notional.times(tier.imr, rounding: .up)
        return PositionMargin(value: value, notional: notional, tier: tierIndex, mm: mm, im: im, upnl: value - openCost)
    }

    /// `(qty.value(at: mark, rounding: .down), qty.notional(at: mark, rounding: .up))` from one
    /// division: for a positive mark, |q·mark| / 10^8 truncated is `t` with remainder flag `r`,
    /// so the notional (ceiling of the magnitude) is t + r, and the value (floor of the signed
    /// product) is t for a long and −(t + r) = −notional for a short. Two of the four products
    /// of `margin`, which runs per trade side and per holder on funding (~8% of replay).
    @inline(__always)
    static func valueAndNotional(qty: Quantity, mark: Price) -> (value: Money, notional: Money) {
        guard mark.raw > 0 else {
            return (qty.value(at: mark, rounding: .down), qty.notional(at: mark, rounding: .up))
        }
        let (negative, quotient, inexact) = FixedMath.magnitudeQuotient(qty.raw, mark.raw, fixedScale)
        precondition(!(inexact && quotient == .max), "mulDiv result does not fit Int64")
        let notional = FixedMath.positive(quotient &+ (inexact ? 1 : 0))
        // A short's floor is −(t + r), which fits Int64 whenever its magnitude (the notional) does.
        return (Money(raw: negative ? -notional : Int64(bitPattern: quotient)), Money(raw: notional))
    }
}

/// A position as it would be after a trade, for evaluating the trade before applying it.
struct PositionChange {
    var market: Int
    var cell: PositionCell
    /// The price the trade's market is valued at (its mark, or the trade price before any oracle).
    var mark: Price
}

extension Ledger {
    /// Margin totals of account `index` with `cash`, optionally with one position replaced.
    /// Visits each market once; allocates nothing. Inlined: called from mutating code, a call
    /// passed a copy of the whole ledger (a 300-byte memmove per call, ~7% of replay). Hot
    /// mutating callers call `marginTotals(in:…)` directly, which takes no ledger at all.
    @inline(__always)
    func marginTotals(account index: Int, cash: Money, change: PositionChange? = nil) -> MarginTotals {
        let hasPositions = accounts.states[index].openPositions > 0
        return markets.withUnsafeBufferPointer {
            Self.marginTotals(in: $0, account: index, hasPositions: hasPositions, cash: cash, change: change)
        }
    }

    /// `marginTotals(account:cash:change:)` over the markets' buffer, `hasPositions` being
    /// whether the account holds any position. Static, so a mutating caller passes two words
    /// rather than a copy of the ledger even where the optimizer declines to inline (it does
    /// in large callers, `@inline(__always)` or not).
    static func marginTotals(in markets: UnsafeBufferPointer<MarketState>, account index: Int, hasPositions: Bool,
                             cash: Money, change: PositionChange?) -> MarginTotals {
        var totals = MarginTotals(cash: cash, equity: cash, mm: .zero, im: .zero, upnl: .zero)
        guard hasPositions || change != nil else { return totals }
        // Through the buffer: `let market = markets[m]` copied each market (a memmove and a
        // retain and release per field) on every margin computation.
        for m in markets.indices {
            let cell: PositionCell
            let mark: Price
            if let change, change.market == m {
                cell = change.cell
                mark = change.mark
            } else {
                cell = markets[m].cell(index)
                guard !cell.qty.isZero else { continue }
                guard let current = markets[m].mark else { preconditionFailure("a position without a mark in \(markets[m].id)") }
                mark = current
            }
            let position = MarketState.margin(tiers: markets[m].listing.tiers, qty: cell.qty, openCost: cell.openCost, mark: mark)
            totals.equity += position.value
            totals.mm += position.mm
            totals.im += position.im
            totals.upnl += position.upnl
        }
        return totals
    }
}
