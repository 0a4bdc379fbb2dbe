import PropertyBased
import Testing
@testable import SolventCore

/// SPEC §2: numbers are exact decimal text with at most 8 fractional digits; nothing is rounded.
@Suite struct DecimalTextTests {
    static let accepted: [(text: String, raw: Int64)] = [
        ("0", 0),
        ("1", 100_000_000),
        ("100.5", 10_050_000_000),
        ("-0.001", -100_000),
        ("0.00000001", 1),
        ("-0.00000001", -1),
        ("92233720368.54775807", .max),
        ("-92233720368.54775808", .min),
        ("007", 700_000_000),
        ("-0", 0),
        ("0.0", 0),
        ("1.50000000", 150_000_000),
        ("12345.6789", 1_234_567_890_000),
        ("0000000000000000000000000001", 100_000_000),
        ("92233720368", 9_223_372_036_800_000_000),
    ]

    @Test(arguments: accepted)
    func acceptedTextParsesToExactRaw(_ text: String, _ raw: Int64) throws {
        #expect(try DecimalText.parse(Substring(text), allowNegative: true) == raw)
        #expect(try Money(parsing: text).raw == raw)
    }

    static let refused: [(text: String, allowNegative: Bool, error: DecimalError)] = [
        ("", true, .empty),
        ("1.000000001", true, .tooManyFractionDigits(9)),
        ("0.123456789", true, .tooManyFractionDigits(9)),
        ("1.0000000000000000000000", true, .tooManyFractionDigits(22)),
        ("1e5", true, .exponent),
        ("1E5", true, .exponent),
        ("1.5e-3", true, .exponent),
        ("NaN", true, .notANumber("NaN")),
        ("nan", true, .notANumber("nan")),
        ("inf", true, .notANumber("inf")),
        ("Infinity", true, .notANumber("Infinity")),
        ("-inf", true, .notANumber("-inf")),
        ("+1", true, .signNotAllowed),
        ("+1", false, .signNotAllowed),
        ("-1", false, .signNotAllowed),
        ("-0", false, .signNotAllowed),
        (".5", true, .missingDigits),
        ("5.", true, .missingDigits),
        (".", true, .missingDigits),
        ("-", true, .missingDigits),
        ("-.5", true, .missingDigits),
        ("1.2.3", true, .notANumber("1.2.3")),
        ("1..2", true, .notANumber("1..2")),
        ("--1", true, .notANumber("--1")),
        ("92233720368.54775808", true, .outOfRange),
        ("-92233720368.54775809", true, .outOfRange),
        ("92233720369", true, .outOfRange),
        ("100000000000000000000", true, .outOfRange),
        (" 1", true, .notANumber(" 1")),
        ("1 ", true, .notANumber("1 ")),
        ("1,5", true, .notANumber("1,5")),
        ("1_000", true, .notANumber("1_000")),
        ("0x10", true, .notANumber("0x10")),
        ("١", true, .notANumber("١")),          // ARABIC-INDIC DIGIT ONE
        ("１", true, .notANumber("１")),          // FULLWIDTH DIGIT ONE
        ("1\u{0}", true, .notANumber("1\u{0}")),
    ]

    @Test(arguments: refused)
    func refusedTextNamesItsProblem(_ text: String, _ allowNegative: Bool, _ error: DecimalError) {
        #expect(throws: error) { try DecimalText.parse(Substring(text), allowNegative: allowNegative) }
    }

    @Test func notANumberQuotesAtMostFortyCharacters() {
        let text = String(repeating: "x", count: 100)
        #expect(throws: DecimalError.notANumber(String(repeating: "x", count: 40))) {
            try DecimalText.parse(Substring(text), allowNegative: true)
        }
    }

    @Test func parsesASubstringWithoutItsSurroundings() throws {
        let line = "amount=12.5;"
        let start = line.index(line.startIndex, offsetBy: 7)
        let end = line.index(before: line.endIndex)
        #expect(try DecimalText.parse(line[start..<end], allowNegative: false) == 1_250_000_000)
    }

    static let canonical: [(raw: Int64, text: String)] = [
        (0, "0"),
        (1, "0.00000001"),
        (-1, "-0.00000001"),
        (10, "0.0000001"),
        (12_345_678, "0.12345678"),
        (100_000_000, "1"),
        (-100_000_000, "-1"),
        (150_000_000, "1.5"),
        (-100_000, "-0.001"),
        (10_050_000_000, "100.5"),
        (1_000_000_000_000, "10000"),
        (100_000_001, "1.00000001"),
        (.max, "92233720368.54775807"),
        (.min, "-92233720368.54775808"),
    ]

    @Test(arguments: canonical)
    func formatPrintsTheShortestCanonicalText(_ raw: Int64, _ text: String) {
        #expect(DecimalText.format(raw) == text)
        #expect(Money(raw: raw).description == text)
    }

    static let nonCanonical: [(text: String, canonical: String)] = [
        ("007", "7"), ("1.50", "1.5"), ("-0", "0"), ("0.00", "0"), ("-000.10000000", "-0.1"),
    ]

    @Test(arguments: nonCanonical)
    func formatAfterParseCanonicalizes(_ text: String, _ canonical: String) throws {
        #expect(DecimalText.format(try DecimalText.parse(Substring(text), allowNegative: true)) == canonical)
    }

    @Test func parseOfFormatIsIdentityOverAllInt64() async {
        await propertyCheck(count: 300, input: Gens.raw) { raw throws in
            let text = DecimalText.format(raw)
            #expect(try DecimalText.parse(Substring(text), allowNegative: true) == raw)
            // Canonical text has no trailing fractional zero and no '+'.
            #expect(!text.hasPrefix("+"))
            if text.contains(".") { #expect(!text.hasSuffix("0")) }
        }
    }

    @Test func everyFractionDigitCountUpToEightIsExact() throws {
        for digits in 1...8 {
            let text = "0." + String(repeating: "0", count: digits - 1) + "1"
            var expected: Int64 = 1
            for _ in digits..<8 { expected *= 10 }
            #expect(try DecimalText.parse(Substring(text), allowNegative: false) == expected, "\(text)")
        }
    }

    @Test func refusedSignDependsOnlyOnAllowNegative() throws {
        #expect(try Quantity(parsing: "-1.5").raw == -150_000_000)
        #expect(throws: DecimalError.signNotAllowed) { try Quantity(parsing: "-1.5", allowNegative: false) }
        #expect(try Quantity(parsing: "1.5", allowNegative: false).raw == 150_000_000)
    }
}
