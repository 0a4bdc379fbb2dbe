import PropertyBased
import Testing
@testable import SolventCore

/// SPEC §5.4: MakerDAO's abaci curves, checked against Maker's published test values.
///
/// Sources (makerdao/dss on GitHub):
/// - A: `src/test/abaci.t.sol` @ 1b9c09e0b877fac67c3e1a21bdcee9b1dd04f58f
///   (`test_linear_decrease`, `test_stairstep_exp_decrease`, `test_continuous_exp_decrease`);
/// - B: `src/test/abaci.t.sol` @ 0cd974e979f5e764b1df85208eedae6b7f5719c4, the comment in
///   `checkExpDecrease` quoting an exact `price` result;
/// - C: `src/test/clip.t.sol` @ 75cf04b20d49d7829d40c552208ce74284808024 (`takeSetup`: stairstep
///   cut = RAY − ray(0.01 ether), step = 1, top = ray(5 ether); `test_redo_incentive` and the
///   take after `hevm.warp(now + 30)`);
/// - the curves themselves: `src/abaci.sol` @ c8d4c806691dacb903ff281b81f316bea974e4c7.
@Suite struct AuctionPriceTests {
    static let ray = Ray.one
    static func p(_ text: String) -> Price { try! Price(parsing: text) }
    static func r(_ text: String) -> Rate { try! Rate(parsing: text) }

    static func params(tauMs: Int64 = 600_000, stepMs: Int64 = 10_000, cut: String = "0.99") -> RiskParams {
        var params = RiskParams()
        params.tauMs = tauMs
        params.stepMs = stepMs
        params.cut = r(cut)
        return params
    }

    // MARK: Maker's published values

    /// A `test_linear_decrease`: tau = 3600 s, top = 1000; every 360 s the price is 100 lower,
    /// and 0 at 3600 s. Exact in RAY, and so exact at 8 decimals.
    @Test(arguments: 0...10)
    func makerLinearDecreaseVectors(_ tenths: Int64) {
        let expected: UInt128 = UInt128(1000 - 100 * tenths)
        let abacus = Abacus.linear(tauMs: 3_600_000)
        let factor = abacus.factorRay(elapsedMs: 360_000 * tenths)
        #expect(Ray.rmul(1000 * Self.ray, factor) == expected * Self.ray)
        let price = AuctionPrice.price(curve: .linear, start: Self.p("1000"), elapsedMs: 360_000 * tenths,
                                       direction: .falling, params: Self.params(tauMs: 3_600_000))
        #expect(price == Price(units: Int64(expected)))
    }

    /// B: top = 50 000 000 RAY, cut = RAY − 1.1234567890e27 / 100, step = 1 s. Maker's comment
    /// quotes `Actual: 16338200015683006288456874350000000` (and the iterated "Expected"
    /// 16338200015683006288456874400625678, within its 10^8 tolerance); that is 99 steps in.
    /// Rounded down to 8 decimals: 16338200.01568300.
    @Test func makerStairstepQuotedValue() {
        let abacus = Abacus.stairstep(stepMs: 1_000, cutRay: Self.ray - 11_234_567_890_000_000_000_000_000)
        let priceRay = Ray.rmul(50_000_000 * Self.ray, abacus.factorRay(elapsedMs: 99_000))
        #expect(priceRay == 16_338_200_015_683_006_288_456_874_350_000_000)
        #expect(16_338_200_015_683_006_288_456_874_400_625_678 - priceRay <= 100_000_000)
        let price = AuctionPrice.price(abacus: abacus, start: Self.p("50000000"), elapsedMs: 99_000, direction: .falling)
        #expect(price == Self.p("16338200.015683"))
        #expect(UInt128(price.raw) == priceRay / Ray.perFixedRaw)
    }

    /// A `test_stairstep_exp_decrease`: for each (top, cut, step, tolerance) Maker checks, every
    /// second for 10 minutes, that the price equals the previous one times cut at each step
    /// boundary and is unchanged between them, within `tolerance` RAY. We run the same loop, and
    /// check our 8-decimal price is the RAY price rounded down.
    static let makerStairsteps: [(topRay: UInt128, cutRay: UInt128, stepSeconds: Int64, tolerance: UInt128)] = {
        let high = 50_000_000 * ray, low = ray / 10_000_000
        let cuts: [UInt128] = [ray - 11_234_567_890_000_000_000_000_000, ray - 21_234_567_890_000_000_000_000_000]
        let steps: [(cut: UInt128, seconds: Int64)] = [(cuts[0], 1), (cuts[1], 1), (cuts[0], 5), (cuts[1], 5), (cuts[0], 300)]
        return [(high, 100_000_000), (low, 1)].flatMap { top, tolerance in
            steps.map { (top, $0.cut, $0.seconds, tolerance) }
        }
    }()

    /// Indexed: swift-testing crashes (null witness) describing `UInt128` arguments on Linux.
    @Test(arguments: makerStairsteps.indices)
    func makerStairstepDecreaseLoop(_ index: Int) {
        let (topRay, cutRay, stepSeconds, tolerance) = Self.makerStairsteps[index]
        let abacus = Abacus.stairstep(stepMs: stepSeconds * 1_000, cutRay: cutRay)
        let start = Price(raw: Int64(topRay / Ray.perFixedRaw))
        var price = Ray.rmul(topRay, abacus.factorRay(elapsedMs: 0))
        #expect(price == topRay)
        for second in Int64(1)..<600 {
            let last = price
            price = Ray.rmul(topRay, abacus.factorRay(elapsedMs: second * 1_000))
            let test = second % stepSeconds == 0 ? Ray.mulDiv(last, cutRay, Self.ray) : last
            #expect((test > price ? test - price : price - test) <= tolerance, "second \(second)")
            let rounded = AuctionPrice.price(abacus: abacus, start: start, elapsedMs: second * 1_000, direction: .falling)
            #expect(UInt128(rounded.raw) == price / Ray.perFixedRaw, "second \(second)")
        }
    }

    /// A `test_continuous_exp_decrease`: cut = 0.999230132966 RAY (a 900 s half-life), top = 4000;
    /// at each half-life the price is within 0.001 of 4000 / 2^i. The 8-decimal values are ours,
    /// Maker's RAY result rounded down.
    static let makerHalfLives: [(halfLives: Int64, rounded: String)] = [
        (0, "4000"), (1, "2000.00000025"), (2, "1000.00000025"), (3, "500.00000019"), (4, "250.00000012"),
    ]

    @Test(arguments: makerHalfLives)
    func makerExponentialDecreaseHalfLives(_ halfLives: Int64, _ rounded: String) {
        let abacus = Abacus.exponential(cutRay: 999_230_132_966_000_000_000_000_000)
        let elapsedMs = halfLives * 900 * 1_000
        let priceRay = Ray.rmul(4000 * Self.ray, abacus.factorRay(elapsedMs: elapsedMs))
        let expected = (4000 * Self.ray) >> halfLives
        #expect((priceRay > expected ? priceRay - expected : expected - priceRay) <= Self.ray / 1000)
        let price = AuctionPrice.price(abacus: abacus, start: Self.p("4000"), elapsedMs: elapsedMs, direction: .falling)
        #expect(price == Self.p(rounded))
        #expect(UInt128(price.raw) == priceRay / Ray.perFixedRaw)
    }

    /// C: Clipper with stairstep cut = RAY − ray(0.01 ether), step = 1, top = ray(5 ether); after
    /// 30 s Maker's comment gives "5 * 0.99 ** 30 = 3.698501866941401 RAY". Through our params
    /// (cut 0.99, step 1000 ms): 3.69850186, Maker's value rounded down to 8 decimals.
    /// C `test_redo_incentive`: after the last `redo` (top = 5, tic = now), `hevm.warp(now + 100)`
    /// and `assertEq(_price, 1830161706366147524653080130)` — 5 × 0.99^100 in RAY, exactly;
    /// through our params (cut 0.99, step 1000 ms), rounded down: 1.83016170.
    @Test func clipperRedoIncentiveExactRayPrice() {
        let abacus = Abacus(curve: .stairstep, params: Self.params(stepMs: 1_000, cut: "0.99"))
        #expect(Ray.rmul(5 * Self.ray, abacus.factorRay(elapsedMs: 100_000)) == 1_830_161_706_366_147_524_653_080_130)
        let price = AuctionPrice.price(curve: .stairstep, start: Self.p("5"), elapsedMs: 100_000,
                                       direction: .falling, params: Self.params(stepMs: 1_000, cut: "0.99"))
        #expect(price == Self.p("1.8301617"))
    }

    @Test func clipperStairstepAfterThirtySeconds() {
        let price = AuctionPrice.price(curve: .stairstep, start: Self.p("5"), elapsedMs: 30_000,
                                       direction: .falling, params: Self.params(stepMs: 1_000, cut: "0.99"))
        #expect(price == Self.p("3.69850186"))
    }
}

/// Boundaries, milliseconds, rounding direction and monotonicity of `AuctionPrice`.
@Suite struct AuctionPriceBehaviourTests {
    static func p(_ text: String) -> Price { AuctionPriceTests.p(text) }
    static func params(tauMs: Int64 = 600_000, stepMs: Int64 = 10_000, cut: String = "0.99") -> RiskParams {
        AuctionPriceTests.params(tauMs: tauMs, stepMs: stepMs, cut: cut)
    }
    static func price(_ curve: AuctionCurve, _ start: String, _ elapsedMs: Int64, _ direction: AuctionDirection,
                      _ params: RiskParams = params()) -> Price {
        AuctionPrice.price(curve: curve, start: p(start), elapsedMs: elapsedMs, direction: direction, params: params)
    }

    static let everyCurve = [
        (AuctionCurve.linear, AuctionDirection.falling), (.linear, .rising), (.stairstep, .falling),
        (.stairstep, .rising), (.exponential, .falling), (.exponential, .rising),
    ]

    @Test(arguments: everyCurve)
    func atTheStartThePriceIsTheStartPrice(_ curve: AuctionCurve, _ direction: AuctionDirection) {
        #expect(Self.price(curve, "43210.12345678", 0, direction) == Self.p("43210.12345678"))
    }

    /// Maker's `if (dur >= tau) return 0`; the rising mirror tops out at twice the start.
    @Test(arguments: [600_000, 600_001, 86_400_000] as [Int64])
    func linearReachesZeroAtTauAndStaysThere(_ elapsedMs: Int64) {
        #expect(Self.price(.linear, "100", elapsedMs, .falling) == .zero)
        #expect(Self.price(.linear, "100", elapsedMs, .rising) == Self.p("200"))
    }

    @Test func linearWithZeroTauIsZeroAtOnceAsInMaker() {
        #expect(Self.price(.linear, "100", 0, .falling, Self.params(tauMs: 0)) == .zero)
    }

    /// Milliseconds generalise Maker's seconds: 1 ms of a 1000 ms tau takes 1/1000 off.
    @Test func linearMovesEveryMillisecond() {
        let params = Self.params(tauMs: 1_000)
        #expect(Self.price(.linear, "1000", 1, .falling, params) == Self.p("999"))
        #expect(Self.price(.linear, "1000", 1, .rising, params) == Self.p("1001"))
        #expect(Self.price(.linear, "1000", 999, .falling, params) == Self.p("1"))
    }

    /// 10 000 ms steps of cut 0.99: flat within a step, one cut exactly at each boundary.
    static let stairs: [(elapsedMs: Int64, falling: String, rising: String)] = [
        (9_999, "100", "100"), (10_000, "99", "101"), (19_999, "99", "101"),
        (20_000, "98.01", "101.99"), (30_000, "97.0299", "102.9701"),
    ]

    @Test(arguments: stairs)
    func stairstepChangesExactlyAtStepBoundaries(_ elapsedMs: Int64, _ falling: String, _ rising: String) {
        #expect(Self.price(.stairstep, "100", elapsedMs, .falling) == Self.p(falling))
        #expect(Self.price(.stairstep, "100", elapsedMs, .rising) == Self.p(rising))
    }

    /// Maker divides by `step` (and reverts on 0); we hold the price instead of trapping.
    @Test func stairstepWithZeroStepHoldsTheStartPrice() {
        #expect(Self.price(.stairstep, "100", 3_600_000, .falling, Self.params(stepMs: 0)) == Self.p("100"))
    }

    /// Exponential counts whole seconds, like Maker's clock: 999 ms is still the start price.
    @Test func exponentialCountsWholeSeconds() {
        #expect(Self.price(.exponential, "100", 999, .falling) == Self.p("100"))
        #expect(Self.price(.exponential, "100", 1_000, .falling) == Self.p("99"))
        #expect(Self.price(.exponential, "100", 2_999, .falling) == Self.p("98.01"))
    }

    /// dss `src/abaci.sol`: "an equivalent function can be obtained by setting step = 1 in
    /// StairstepExponentialDecrease"; in milliseconds that is step = 1000.
    @Test func exponentialEqualsStairstepWithOneSecondSteps() async {
        let input = zip(Gen.int64(in: 1...1_000_000_000_000), Gen.int64(in: 0...fixedScale), Gen.int64(in: 0...3_600_000))
        await propertyCheck(count: 300, input: input) { startRaw, cutRaw, elapsedMs in
            var params = Self.params(stepMs: 1_000)
            params.cut = Rate(raw: cutRaw)
            for direction in [AuctionDirection.falling, .rising] {
                func at(_ curve: AuctionCurve) -> Price {
                    AuctionPrice.price(curve: curve, start: Price(raw: startRaw), elapsedMs: elapsedMs,
                                       direction: direction, params: params)
                }
                #expect(at(.exponential) == at(.stairstep))
            }
        }
    }

    /// SPEC §2 against the liquidated account: it receives the falling price (rounded down) and
    /// pays the rising one (rounded up). Start 0.0000001 (10 raw), one 0.99 step: exactly 9.9 raw
    /// falling → 9; 10.1 raw rising → 11. Linear 1 ms of 3 ms from 1: 2/3 → 0.66666666 and
    /// 4/3 → 1.33333334.
    @Test func fallingRoundsDownAndRisingRoundsUp() {
        #expect(Self.price(.stairstep, "0.0000001", 10_000, .falling) == Self.p("0.00000009"))
        #expect(Self.price(.stairstep, "0.0000001", 10_000, .rising) == Self.p("0.00000011"))
        let params = Self.params(tauMs: 3)
        #expect(Self.price(.linear, "1", 1, .falling, params) == Self.p("0.66666666"))
        #expect(Self.price(.linear, "1", 1, .rising, params) == Self.p("1.33333334"))
    }

    @Test func directionFollowsThePositionBeingClosed() {
        #expect(AuctionDirection(closing: Quantity(units: 2)) == .falling)
        #expect(AuctionDirection(closing: Quantity(units: -2)) == .rising)
    }

    /// Over random curves, params, starts and pairs of times: falling never rises, rising never
    /// falls, both stay on their side of the start, and they mirror exactly around it.
    @Test(arguments: AuctionCurve.allCases)
    func curvesAreMonotonicAndMirrored(_ curve: AuctionCurve) async {
        let input = zip(Gen.int64(in: 0...1_000_000_000_000_000), Gen.int64(in: 0...fixedScale),
                        Gen.int64(in: 0...7_200_000), Gen.int64(in: 0...7_200_000), Gen.int64(in: 0...7_200_000))
        await propertyCheck(count: 300, input: input) { startRaw, cutRaw, durationMs, t1, t2 in
            var params = Self.params(tauMs: durationMs, stepMs: durationMs / 60)
            params.cut = Rate(raw: cutRaw)
            let start = Price(raw: startRaw)
            let (early, late) = (min(t1, t2), max(t1, t2))
            func at(_ t: Int64, _ d: AuctionDirection) -> Price {
                AuctionPrice.price(curve: curve, start: start, elapsedMs: t, direction: d, params: params)
            }
            #expect(at(late, .falling) <= at(early, .falling))
            #expect(at(early, .falling) <= start)
            #expect(at(late, .rising) >= at(early, .rising))
            #expect(at(early, .rising) >= start)
            #expect(at(late, .falling).raw + at(late, .rising).raw == 2 * startRaw)
        }
    }
}
