/// SplitMix64 (Steele, Lea, Flood 2014; Vigna's reference C): a tiny, seeded, platform-independent
/// generator. Every random choice of a simulation, a bench log or a generated test history comes
/// from one of these, so the
/// same seed gives the same population, the same bots and the same log, byte for byte.
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ bound: UInt64) -> UInt64 { next() % bound }

    /// Uniform in `0..<bound` (modulo bias negligible for the bounds used here).
    public mutating func int64(below bound: Int64) -> Int64 { Int64(next() % UInt64(bound)) }

    /// Uniform in [0, 1) from the top 53 bits: exact in a Double, so the same on every platform.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform in `range` (bias negligible for the small ranges the tests use).
    public mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func chance(_ percent: Int64) -> Bool { int(1...100) <= percent }
}
