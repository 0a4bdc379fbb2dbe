import Foundation
import SolventCore

/// How liquidation flow moves the simulated mark away from the recorded path
/// (docs/CASCADES.md "Price impact").
///
/// The mark is `recorded × (1 + I)`. Each step, `I` first decays towards 0 with half-life
/// `halfLifeMs` (transient impact: the book refills, Bouchaud et al., "Trades, quotes and prices",
/// ch. 13 propagator), then moves by the liquidation flow `F` of the previous step (signed
/// notional: engine sales negative, engine buy-backs positive) relative to the depth `D`:
///
/// - `linear`: `ΔI = k × F / D` (Kyle's λ);
/// - `sqrt`:   `ΔI = k × sign(F) × √(|F| / D)` (the square-root law of metaorder impact,
///   Tóth et al. 2011);
/// - `none`:   `I = 0`, the recorded path as it is.
///
/// `D` is the population's open interest at the start, so the model scales with the number of
/// accounts: liquidating 10 % of open interest in one step moves the mark by `k × 10 %` (linear).
/// `I` is kept within ±`maxImpact`. Only `+ − × ÷ √` touch it (IEEE-exact), and the decay factor
/// is computed once, so a seed gives the same marks on every run.
public struct ImpactModel: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// No impact: the recorded path as it is.
        case off = "none"
        case linear, sqrt
    }

    public var kind: Kind
    public var coefficient: Double
    public var halfLifeMs: Int64
    public static let maxImpact = 0.9

    public init(kind: Kind = .linear, coefficient: Double = 0.2, halfLifeMs: Int64 = 600_000) {
        self.kind = kind
        self.coefficient = coefficient
        self.halfLifeMs = halfLifeMs
    }

    public static let off = ImpactModel(kind: .off, coefficient: 0, halfLifeMs: 1)
}

/// The impact state of one run.
struct PriceImpact {
    let model: ImpactModel
    let depth: Double
    let decayPerStep: Double
    /// The current fraction `I`.
    private(set) var fraction = 0.0
    /// Flow since the last `advance`, signed notional (quote currency).
    private(set) var pendingFlow = 0.0

    init(model: ImpactModel, depth: Money, stepMs: Int64) {
        self.model = model
        self.depth = max(Double(depth.raw) / Double(fixedScale), 1)
        decayPerStep = pow(0.5, Double(stepMs) / Double(max(model.halfLifeMs, 1)))
    }

    /// Liquidation flow: `qty` closed at `price`, `selling` when the engine sells (a long).
    mutating func add(qty: Quantity, price: Price, selling: Bool) {
        let notional = Double(qty.raw) / Double(fixedScale) * (Double(price.raw) / Double(fixedScale))
        pendingFlow += selling ? -notional : notional
    }

    /// One step: decay, then the pending flow's impact.
    mutating func advance() {
        defer { pendingFlow = 0 }
        guard model.kind != .off else { return }
        fraction *= decayPerStep
        let relative = pendingFlow / depth
        switch model.kind {
        case .off: break
        case .linear: fraction += model.coefficient * relative
        case .sqrt: fraction += model.coefficient * (relative < 0 ? -relative.squareRoot() : relative.squareRoot())
        }
        fraction = min(ImpactModel.maxImpact, max(-ImpactModel.maxImpact, fraction))
    }

    /// The simulated mark for a recorded price: `recorded × (1 + I)`, rounded down to the tick,
    /// at least one tick.
    func mark(recorded: Price, tick: Price) -> Price {
        guard fraction != 0 else { return recorded }
        let raw = Int64((Double(recorded.raw) * (1 + fraction)).rounded(.down))
        return Price(raw: max(tick.raw, raw / tick.raw * tick.raw))
    }
}
