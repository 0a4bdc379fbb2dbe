import SolventCore

/// Everything a run depends on besides the price path. Same config and path, same log.
public struct SimConfig: Sendable {
    /// Traders (longs + shorts, in pairs; an odd count is rounded down to pairs).
    public var accounts = 10_000
    public var seed: UInt64 = 1
    /// Sent as one `params.set` at the start when any field is present.
    public var params = ParamsSet()
    public var impact = ImpactModel()
    /// Oracle interval and the simulation's time step (below the default `maxStaleness` of 60 s).
    public var stepMs: Int64 = 5_000
    /// Bidding bots; nil: max(3, accounts / 1000).
    public var bots: Int?
    /// Σ bot capital as a fraction of open interest.
    public var botCapitalRatio = 0.05
    /// The insurance fund's opening balance as a fraction of open interest.
    public var insuranceRatio = 0.01
    public var market = MarketID(valid: "SIM-PERP")
    /// Pairs open at uniform random times in this window after the path's start, at the mark
    /// then; 0 opens every pair at the first price. Clamped to a quarter of the path by
    /// `Simulation`.
    public var openingWindowMs: Int64 = 2 * 3_600_000
    /// Whether bots unwind what they win (`.recycle`, the default) or hold it (`.hold`).
    public var liquidity = Liquidity.default
    /// Inputs per `Journal.append` (one LMDB transaction each).
    public var batchInputs = 20_000

    public init() {}

    var botCount: Int { bots ?? max(3, accounts / 1000) }
}
