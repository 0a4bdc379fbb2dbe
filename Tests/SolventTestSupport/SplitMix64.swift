import SolventRandom

/// The one seeded generator of the project (Sources/SolventRandom), under the name the tests use.
public typealias SplitMix64 = SolventRandom.SplitMix64
