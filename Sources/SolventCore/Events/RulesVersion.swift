/// The version of the engine's rules a log is written under (SPEC §5.11, docs/FORMAT.md "Engine
/// rules"). A change that alters any derived byte raises it; the engine keeps applying each
/// version's rules to the logs written under it, so every old log re-derives byte for byte.
///
/// - 1: the first design: the fund backstops whatever its `available` allows and unwinds it on
///   a curve that resets at its bankruptcy price; ADL rounds each fill on its own.
/// - 2: the fund is a margined account (`fundImr`, `fundMmr`), kept solvent by its own ADL;
///   losses nothing can carry are `bad_debt` records; ADL is exact on the running total; a bid
///   first applies the backstop or reset the next `clock` would have.
/// - 3: rules 2's engine with new default risk parameters, chosen from the crash-day sweep
///   (docs/CASCADES.md "Defaults from evidence"): partial liquidation that happens, a finer
///   auction curve, liquidation at the margin-call deadline. A log that never sets a parameter
///   applies the defaults of its own rules (`RiskParams(rules:)`).
public struct RulesVersion: RawRepresentable, Comparable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init?(rawValue: UInt32) {
        guard (Self.first.rawValue...Self.current.rawValue).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    private init(_ raw: UInt32) { rawValue = raw }

    public static let v1 = RulesVersion(1)
    public static let v2 = RulesVersion(2)
    public static let v3 = RulesVersion(3)
    /// The oldest version this release can apply.
    public static let first = v1
    /// The version new logs are written under.
    public static let current = v3

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }

    /// Whether the insurance fund is a margined account (rules 2 and later).
    var fundIsMargined: Bool { self >= .v2 }

    /// Whether the defaults of `RiskParams` are the evidence-based set of issue 21 (rules 3 and
    /// later) rather than the first design's.
    var hasSweptDefaults: Bool { self >= .v3 }
}
