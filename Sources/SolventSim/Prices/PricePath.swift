import SolventCore

/// A historical price path as the simulated oracle sees it: each candle's four recorded prices at
/// fixed points inside it, held until the next one (docs/CASCADES.md "The price path").
///
/// Inside a candle the order is open, high, low, close for a falling candle and open, low, high,
/// close otherwise (the usual backtest convention: the extreme against the candle's direction is
/// met first), at 0, ¼, ½ and ¾ of the bar. Nothing is interpolated or smoothed: between two
/// points the last recorded price holds, as an oracle re-publishing the last trade would.
public struct PricePath: Sendable {
    public struct Point: Equatable, Sendable {
        public var timeMs: TimeMs
        public var price: Price
    }

    public let candles: [Candle]
    public let points: [Point]
    /// Bar length, from the smallest step between candle open times.
    public let resolutionMs: Int64
    /// The largest power of ten dividing every recorded price (the source's own tick).
    public let tickSize: Price

    public init(candles: [Candle]) {
        precondition(!candles.isEmpty, "a price path needs at least one candle")
        self.candles = candles
        var resolution: Int64 = 60_000
        if candles.count > 1 {
            resolution = zip(candles, candles.dropFirst()).map { $1.openTimeMs - $0.openTimeMs }.min()!
        }
        resolutionMs = resolution
        points = candles.flatMap { Self.points(of: $0, resolutionMs: resolution) }
        tickSize = Self.tick(of: candles)
    }

    public var startMs: TimeMs { candles[0].openTimeMs }
    /// End of the last bar.
    public var endMs: TimeMs { candles[candles.count - 1].openTimeMs + resolutionMs }
    public var firstPrice: Price { candles[0].open }

    /// The first `count` candles (a shorter path for tests and benches; still recorded prices).
    public func prefix(_ count: Int) -> PricePath { PricePath(candles: Array(candles.prefix(count))) }

    static func points(of candle: Candle, resolutionMs: Int64) -> [Point] {
        let quarter = resolutionMs / 4
        let falling = candle.close < candle.open
        let middle = falling ? [candle.high, candle.low] : [candle.low, candle.high]
        return [candle.open, middle[0], middle[1], candle.close].enumerated().map { offset, price in
            Point(timeMs: candle.openTimeMs + Int64(offset) * quarter, price: price)
        }
    }

    static func tick(of candles: [Candle]) -> Price {
        var tick: Int64 = fixedScale
        for candle in candles {
            for price in [candle.open, candle.high, candle.low, candle.close] {
                while tick > 1 && price.raw % tick != 0 { tick /= 10 }
            }
        }
        return Price(raw: tick)
    }

    /// Walks the path forward: the recorded price in force at each (non-decreasing) time.
    public struct Cursor: Sendable {
        let points: [Point]
        var next = 0
        public private(set) var price: Price

        init(_ path: PricePath) {
            points = path.points
            price = path.points[0].price
        }

        public mutating func price(at timeMs: TimeMs) -> Price {
            while next < points.count && points[next].timeMs <= timeMs {
                price = points[next].price
                next += 1
            }
            return price
        }
    }

    public func cursor() -> Cursor { Cursor(self) }
}
