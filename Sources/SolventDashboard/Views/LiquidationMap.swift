import SolventCore

/// Open interest by the price at which it would be liquidated (the "liquidation map" of
/// third-party derivatives views), from the engine's own liquidation prices
/// (`Ledger.liquidationLevels`): buckets of `bucketBps` of the mark each, `buckets` of them on
/// each side. Longs fill the buckets below the mark (they are liquidated as it falls), shorts the
/// buckets above. Bucket k below holds the liquidation prices p with
/// k·w ≤ (mark − p)/mark < (k+1)·w, w = bucketBps/10,000; above, the same with (p − mark).
/// A position already past the mark (a deferred liquidation, a halted market) counts in bucket 0.
/// Exact: integer arithmetic on raw prices, no rounding.
struct LiquidationMap: Sendable, Equatable {
    struct Bucket: Sendable, Equatable {
        /// The bucket's edges: `near` at the mark's side, `far` away from it.
        var near: Price
        var far: Price
        var accounts = 0
        var notional = Money.zero
    }

    /// What a move of `percent` from the mark liquidates.
    struct Move: Sendable, Equatable {
        var percent: Int
        var down: (accounts: Int, notional: Money)
        var up: (accounts: Int, notional: Money)
        static func == (a: Move, b: Move) -> Bool {
            a.percent == b.percent && a.down == b.down && a.up == b.up
        }
    }

    var market: MarketID
    var mark: Price
    var bucketBps: Int
    /// Index k: k buckets from the mark.
    var below: [Bucket]
    var above: [Bucket]
    var beyond: (below: Money, above: Money)
    var moves: [Move]
    var positions: Int

    static func == (a: LiquidationMap, b: LiquidationMap) -> Bool {
        a.market == b.market && a.mark == b.mark && a.below == b.below && a.above == b.above && a.moves == b.moves
            && a.beyond == b.beyond
    }

    static let movePercents = [5, 10, 20]

    init(market: MarketID, mark: Price, levels: [LiquidationLevel], bucketBps: Int, buckets: Int) {
        precondition(bucketBps > 0 && buckets > 0, "a map has buckets of positive width")
        self.market = market
        self.mark = mark
        self.bucketBps = bucketBps
        positions = levels.count
        below = (0..<buckets).map { Self.bucket($0, mark: mark, bps: bucketBps, below: true) }
        above = (0..<buckets).map { Self.bucket($0, mark: mark, bps: bucketBps, below: false) }
        var beyond = (below: Money.zero, above: Money.zero)
        for level in levels {
            let long = level.qty.isPositive
            let distance = long ? Int128(mark.raw) - Int128(level.liquidationPrice.raw)
                                : Int128(level.liquidationPrice.raw) - Int128(mark.raw)
            let k = distance <= 0 ? 0 : Int(distance * 10_000 / (Int128(mark.raw) * Int128(bucketBps)))
            guard k < buckets else {
                if long { beyond.below += level.notional } else { beyond.above += level.notional }
                continue
            }
            if long {
                below[k].accounts += 1
                below[k].notional += level.notional
            } else {
                above[k].accounts += 1
                above[k].notional += level.notional
            }
        }
        self.beyond = beyond
        moves = Self.movePercents.map { Self.move($0, mark: mark, levels: levels) }
    }

    /// Bucket k's edges: mark·(1 ∓ k·w) and mark·(1 ∓ (k+1)·w), rounded towards the mark.
    private static func bucket(_ k: Int, mark: Price, bps: Int, below: Bool) -> Bucket {
        func edge(_ steps: Int) -> Price {
            let offset = Int128(mark.raw) * Int128(steps * bps) / 10_000
            let raw = below ? Int128(mark.raw) - offset : Int128(mark.raw) + offset
            return Price(raw: Int64(clamping: max(0, raw)))
        }
        return Bucket(near: edge(k), far: edge(k + 1))
    }

    /// A fall of `percent` liquidates the longs whose price is at or above mark·(1 − percent);
    /// a rise, the shorts at or below mark·(1 + percent).
    private static func move(_ percent: Int, mark: Price, levels: [LiquidationLevel]) -> Move {
        var move = Move(percent: percent, down: (0, .zero), up: (0, .zero))
        for level in levels {
            let scaled = Int128(level.liquidationPrice.raw) * 100
            if level.qty.isPositive, scaled >= Int128(mark.raw) * Int128(100 - percent) {
                move.down.accounts += 1
                move.down.notional += level.notional
            } else if !level.qty.isPositive, scaled <= Int128(mark.raw) * Int128(100 + percent) {
                move.up.accounts += 1
                move.up.notional += level.notional
            }
        }
        return move
    }
}
