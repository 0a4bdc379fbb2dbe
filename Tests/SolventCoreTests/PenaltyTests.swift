import PropertyBased
import Testing
@testable import SolventCore

/// SPEC §5.6: `feeRate = minFee + (maxFee − minFee) × min(1, liquidatedNotional / feeDepth)^2`,
/// rounded up, and a penalty that never drives equity below zero. The defaults of rules 1–2: minFee 0.005,
/// maxFee 0.03 (spread 0.025), feeDepth 1 000 000.
@Suite struct PenaltyTests {
    static func m(_ text: String) -> Money { try! Money(parsing: text) }
    static func r(_ text: String) -> Rate { try! Rate(parsing: text) }

    static let rates: [(liquidated: String, rate: String)] = [
        ("0", "0.005"),                // 0.005 + 0.025 × 0² = 0.005
        ("250000", "0.0065625"),       // 0.005 + 0.025 × 0.25² = 0.005 + 0.0015625
        ("500000", "0.01125"),         // 0.005 + 0.025 × 0.5² = 0.005 + 0.00625
        ("1000000", "0.03"),           // 0.005 + 0.025 × 1² = maxFee
        ("5000000", "0.03"),           // min(1, 5) = 1: beyond feeDepth the rate stays at maxFee
        // 0.005 + 0.025 × 0.333333² = 0.005 + 0.0027777722225 = 0.0077777722225 → up: 0.00777778
        ("333333", "0.00777778"),
        ("-10", "0.005"),              // nothing liquidated yet counts as 0
    ]

    @Test(arguments: rates)
    func feeRateGrowsWithTheSquareOfDepth(_ liquidated: String, _ rate: String) {
        #expect(Penalty.feeRate(liquidatedNotional: Self.m(liquidated), params: RiskParams(rules: .v2)) == Self.r(rate))
    }

    /// Zero depth is the formula's limit: every liquidation is full depth.
    @Test func zeroFeeDepthChargesMaxFee() {
        var params = RiskParams(rules: .v2)
        params.feeDepth = .zero
        #expect(Penalty.feeRate(liquidatedNotional: .zero, params: params) == Self.r("0.03"))
    }

    /// maxFee < minFee is not refused by params validation; the rate then falls with depth and
    /// still rounds up: 0.03 − 0.025 × 0.333333² = 0.0272222277775 → 0.02722223.
    @Test func invertedFeesStillRoundUp() {
        var params = RiskParams(rules: .v2)
        (params.minFee, params.maxFee) = (Self.r("0.03"), Self.r("0.005"))
        #expect(Penalty.feeRate(liquidatedNotional: Self.m("333333"), params: params) == Self.r("0.02722223"))
    }

    static let penalties: [(notional: String, liquidated: String, equity: String, penalty: String)] = [
        ("10000", "500000", "1000", "112.5"),        // 10 000 × 0.01125 = 112.5, under equity
        ("10000", "500000", "50", "50"),             // 112.5 capped at the 50 of equity left
        ("10000", "500000", "0", "0"),               // no equity: no penalty, nothing negative
        ("10000", "500000", "-5", "0"),              // already under water: the fund's shortfall
        ("10000", "0", "1000", "50"),                // 10 000 × 0.005
        ("10000", "2000000", "1000", "300"),         // 10 000 × 0.03, beyond feeDepth
        ("0.00000001", "0", "1", "0.00000001"),      // 0.00000001 × 0.005 = 5·10^-11 → up: 1 raw
        // 1234.56789012 × 0.00777778 = 9.6021974444175336 → up: 9.60219745
        ("1234.56789012", "333333", "1000", "9.60219745"),
    ]

    @Test(arguments: penalties)
    func penaltyIsRoundedUpAndCappedByEquity(_ notional: String, _ liquidated: String, _ equity: String, _ penalty: String) {
        let charged = Penalty.penalty(notional: Self.m(notional), liquidatedNotional: Self.m(liquidated),
                                      params: RiskParams(rules: .v2), equityAvailable: Self.m(equity))
        #expect(charged == Self.m(penalty))
    }

    /// Over random depths, fees and equities: the rate stays between the fees and never falls as
    /// more is liquidated; the penalty is never negative and never exceeds the equity left.
    @Test func penaltyNeverCreatesNegativeEquity() async {
        let input = zip(Gen.int64(in: 0...Int64.max), Gen.int64(in: 0...Int64.max), Gen.int64(in: 0...Int64.max),
                        Gen.int64(in: 0...fixedScale), Gen.int64(in: 0...fixedScale), Gen.int64(in: -fixedScale * 1000...fixedScale * 1000))
        await propertyCheck(count: 500, input: input) { depth, a, b, minFee, maxFee, equity in
            var params = RiskParams(rules: .v2)
            (params.feeDepth, params.minFee, params.maxFee) = (Money(raw: depth), Rate(raw: minFee), Rate(raw: maxFee))
            let (less, more) = (Money(raw: min(a, b)), Money(raw: max(a, b)))
            let low = Penalty.feeRate(liquidatedNotional: less, params: params)
            let high = Penalty.feeRate(liquidatedNotional: more, params: params)
            #expect(min(params.minFee, params.maxFee) <= low && low <= max(params.minFee, params.maxFee))
            #expect(maxFee >= minFee ? low <= high : low >= high)
            let notional = Money(raw: a / 1_000_000)
            let charged = Penalty.penalty(notional: notional, liquidatedNotional: more, params: params, equityAvailable: Money(raw: equity))
            #expect(charged >= .zero)
            #expect(charged.raw <= max(equity, 0))
            #expect(charged <= notional.times(high, rounding: .up))
        }
    }
}
