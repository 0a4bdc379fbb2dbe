import PropertyBased
import Testing
@testable import SolventCore

/// SPEC §2: products are exact (full-width) and round in the system's favour; "down" is floor and
/// "up" is ceiling whatever the sign. (Overflow traps by design and cannot be tested in-process.)
@Suite struct FixedMathTests {
    static let rounding: [(a: Int64, b: Int64, divisor: Int64, down: Int64, up: Int64)] = [
        (7, 1, 2, 3, 4),
        (-7, 1, 2, -4, -3),
        (7, -1, 2, -4, -3),
        (-7, -1, 2, 3, 4),
        (6, 1, 2, 3, 3),
        (-6, 1, 2, -3, -3),
        (0, 12345, 7, 0, 0),
        (1, 1, fixedScale, 0, 1),
        (-1, 1, fixedScale, -1, 0),
        (fixedScale - 1, 1, fixedScale, 0, 1),
        (-(fixedScale - 1), 1, fixedScale, -1, 0),
        (2, 1, 3, 0, 1),
        (-2, 1, 3, -1, 0),
        // Int128 intermediate: the product overflows Int64, the quotient does not.
        (.max, .max, .max, .max, .max),
        (.min, .max, .max, .min, .min),
        (.max, 3, 4, 6_917_529_027_641_081_855, 6_917_529_027_641_081_856),
        (.min, 3, 4, -6_917_529_027_641_081_856, -6_917_529_027_641_081_856),
        (.min + 1, 3, 4, -6_917_529_027_641_081_856, -6_917_529_027_641_081_855),
    ]

    @Test(arguments: rounding)
    func mulDivRoundsDownToFloorAndUpToCeiling(_ a: Int64, _ b: Int64, _ divisor: Int64, _ down: Int64, _ up: Int64) {
        #expect(FixedMath.mulDivRoundingDown(a, b, divisor) == down)
        #expect(FixedMath.mulDivRoundingUp(a, b, divisor) == up)
        #expect(Rounding.down.mulDiv(a, b, divisor) == down)
        #expect(Rounding.up.mulDiv(a, b, divisor) == up)
    }

    @Test func roundingBracketsTheExactQuotient() async {
        // |b| ≤ divisor keeps |a·b/divisor| ≤ |a|, so every result fits in Int64.
        let input = zip(Gens.raw, Gen.int64(in: -fixedScale...fixedScale), Gen.int64(in: 1...fixedScale))
        await propertyCheck(count: 300, input: input) { a, anyB, divisor in
            let b = anyB % (divisor + 1)
            let down = FixedMath.mulDivRoundingDown(a, b, divisor)
            let up = FixedMath.mulDivRoundingUp(a, b, divisor)
            let exact = Int128(a) * Int128(b)
            #expect(Int128(down) * Int128(divisor) <= exact)
            #expect(exact < (Int128(down) + 1) * Int128(divisor))
            #expect(Int128(up) * Int128(divisor) >= exact)
            #expect(exact > (Int128(up) - 1) * Int128(divisor))
            #expect(up - down == (exact % Int128(divisor) == 0 ? 0 : 1))
        }
    }

    /// The definition the unsigned full-width division must reproduce (FixedMath's comment):
    /// floor and ceiling of the exact Int128 quotient, whenever that fits Int64.
    static func reference(_ a: Int64, _ b: Int64, _ divisor: Int64) -> (down: Int64, up: Int64)? {
        let (quotient, remainder) = (Int128(a) * Int128(b)).quotientAndRemainder(dividingBy: Int128(divisor))
        let down = remainder < 0 ? quotient - 1 : quotient
        let up = remainder > 0 ? quotient + 1 : quotient
        guard let down = Int64(exactly: down), let up = Int64(exactly: up) else { return nil }
        return (down, up)
    }

    @Test func fullWidthDivisionEqualsTheInt128Quotient() async {
        // Any sign and size of operand (a shift makes small ones as likely as huge ones), by
        // 10^8 (the scale every value uses), a small divisor or any: both the 64-bit path
        // (product < 2^64) and the 128-bit one.
        let full = Gen.int64(in: .min ... .max)
        let input = zip(full, full, Gen.int(in: 0...63), Gen.int(in: 0...63), Gen.int64(in: 1 ... .max), Gen.int(in: 0...2))
        await propertyCheck(count: 3000, input: input) { a, b, shiftA, shiftB, anyDivisor, pick in
            let d = pick == 0 ? fixedScale : (pick == 1 ? anyDivisor % 1000 + 1 : anyDivisor)
            let (x, y) = (a >> Int64(shiftA), b >> Int64(shiftB))
            guard let want = Self.reference(x, y, d) else { return }
            #expect(FixedMath.mulDivRoundingDown(x, y, d) == want.down)
            #expect(FixedMath.mulDivRoundingUp(x, y, d) == want.up)
        }
    }

    @Test func fullWidthDivisionAtTheEdgesOfInt64() {
        let edges: [Int64] = [.min, .min + 1, -fixedScale - 1, -fixedScale, -1, 0, 1, fixedScale - 1, fixedScale, .max - 1, .max]
        for a in edges {
            for b in edges {
                for d in [1, 2, 3, fixedScale, .max - 1, .max] as [Int64] {
                    guard let want = Self.reference(a, b, d) else { continue }
                    #expect(FixedMath.mulDivRoundingDown(a, b, d) == want.down, "\(a)·\(b)/\(d)")
                    #expect(FixedMath.mulDivRoundingUp(a, b, d) == want.up, "\(a)·\(b)/\(d)")
                }
            }
        }
    }

    static func q(_ text: String) -> Quantity { try! Quantity(parsing: text) }
    static func p(_ text: String) -> Price { try! Price(parsing: text) }
    static func m(_ text: String) -> Money { try! Money(parsing: text) }
    static func r(_ text: String) -> Rate { try! Rate(parsing: text) }

    static let values: [(qty: String, price: String, down: String, up: String)] = [
        ("1", "10000", "10000", "10000"),
        ("-1.5", "10000", "-15000", "-15000"),
        ("0.001", "9500.5", "9.5005", "9.5005"),
        ("0.00000001", "0.5", "0", "0.00000001"),
        ("-0.00000001", "0.5", "-0.00000001", "0"),
        ("0.33333333", "3", "0.99999999", "0.99999999"),
        ("0.12345678", "0.12345678", "0.01524157", "0.01524158"),
        ("-0.12345678", "0.12345678", "-0.01524158", "-0.01524157"),
        // 10^6 BTC at 50 000: the raw product (5·10^26) only fits in Int128.
        ("1000000", "50000", "50000000000", "50000000000"),
        ("-1000000", "50000", "-50000000000", "-50000000000"),
    ]

    @Test(arguments: values)
    func valueIsSignedAndRoundedAsAsked(_ qty: String, _ price: String, _ down: String, _ up: String) {
        let quantity = Self.q(qty), mark = Self.p(price)
        #expect(quantity.value(at: mark, rounding: .down) == Self.m(down))
        #expect(quantity.value(at: mark, rounding: .up) == Self.m(up))
    }

    @Test(arguments: values)
    func notionalIsTheUnsignedValueOfTheMagnitude(_ qty: String, _ price: String, _ down: String, _ up: String) {
        let quantity = Self.q(qty), mark = Self.p(price)
        let magnitude = quantity.magnitude
        #expect(quantity.notional(at: mark, rounding: .down) == magnitude.value(at: mark, rounding: .down))
        #expect(quantity.notional(at: mark, rounding: .up) == magnitude.value(at: mark, rounding: .up))
        #expect(quantity.notional(at: mark, rounding: .down) == (-quantity).notional(at: mark, rounding: .down))
        #expect(!quantity.notional(at: mark, rounding: .down).isNegative)
    }

    @Test func downNeverExceedsUpAndTheyDifferByAtMostOneRawUnit() async {
        // |q| ≤ 10^7 units at prices ≤ 1000 keeps every value within Int64.
        let input = zip(Gen.int64(in: -1_000_000_000_000_000...1_000_000_000_000_000), Gen.int64(in: 0...100_000_000_000))
        await propertyCheck(count: 300, input: input) { qty, price in
            let down = Quantity(raw: qty).value(at: Price(raw: price), rounding: .down)
            let up = Quantity(raw: qty).value(at: Price(raw: price), rounding: .up)
            #expect(down <= up)
            #expect(up.raw - down.raw <= 1)
        }
    }

    static let rates: [(amount: String, rate: String, down: String, up: String)] = [
        ("50000", "0.004", "200", "200"),             // Binance tier 1 MM on 50k notional
        ("250000", "0.005", "1250", "1250"),
        ("1", "0.00000001", "0.00000001", "0.00000001"),
        ("0.5", "0.00000001", "0", "0.00000001"),
        ("-0.5", "0.00000001", "-0.00000001", "0"),   // floor and ceiling, not towards zero
        ("0.00000003", "0.5", "0.00000001", "0.00000002"),
        ("123.45678901", "1", "123.45678901", "123.45678901"),
        ("10", "0", "0", "0"),
    ]

    @Test(arguments: rates)
    func moneyTimesRateRoundsAsAsked(_ amount: String, _ rate: String, _ down: String, _ up: String) {
        #expect(Self.m(amount).times(Self.r(rate), rounding: .down) == Self.m(down))
        #expect(Self.m(amount).times(Self.r(rate), rounding: .up) == Self.m(up))
    }

    @Test func priceAndQuantityTimesRate() {
        // Auction start: mark × (1 + auctionBuffer) for a long being sold.
        #expect(Self.p("9500").times(Self.r("1.02"), rounding: .up) == Self.p("9690"))
        #expect(Self.p("0.00000001").times(Self.r("0.99"), rounding: .down) == Self.p("0"))
        #expect(Self.p("0.00000001").times(Self.r("0.99"), rounding: .up) == Self.p("0.00000001"))
        // Partial liquidation: position × liqStep.
        #expect(Self.q("-3").times(Self.r("0.25"), rounding: .down) == Self.q("-0.75"))
        #expect(Self.q("0.00000003").times(Self.r("0.25"), rounding: .down) == Self.q("0"))
        #expect(Self.q("0.00000003").times(Self.r("0.25"), rounding: .up) == Self.q("0.00000001"))
        #expect(Self.q("-0.00000003").times(Self.r("0.25"), rounding: .down) == Self.q("-0.00000001"))
    }

    @Test func fixedPointBasics() {
        #expect(Money(units: 3) == Money(raw: 300_000_000))
        #expect(Rate.one.raw == fixedScale)
        #expect(Money.zero.isZero && !Money.zero.isPositive && !Money.zero.isNegative)
        #expect((Money(units: 2) - Money(units: 5)).magnitude == Money(units: 3))
        #expect(-Price(raw: 5) == Price(raw: -5))
        var total = Money.zero
        total += Money(raw: 7)
        total -= Money(raw: 2)
        #expect(total == Money(raw: 5))
        #expect(Money(raw: -1) < Money.zero)
    }
}
