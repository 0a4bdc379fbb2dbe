import PropertyBased
import Testing
@testable import SolventCore

/// `DecimalText.rawValue(exactly:)`, the socket's scanned appends' reader of decimals, must give
/// `parse`'s value for every text `parse` accepts (with a sign allowed) and nil for every text it
/// refuses, so that the fast path and the tree path can never read a number differently.
@Suite struct DecimalBytesTests {
    private static func bytesValue(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalText.rawValue(exactly: $0[...]) }
    }

    private static func parsed(_ text: String) -> Int64? {
        try? DecimalText.parse(Substring(text), allowNegative: true)
    }

    @Test(arguments: DecimalTextTests.accepted)
    func acceptedTextGivesTheSameRaw(_ text: String, _ raw: Int64) {
        #expect(Self.bytesValue(text) == raw)
    }

    @Test(arguments: DecimalTextTests.refused.filter(\.allowNegative).map(\.text))
    func refusedTextIsLeftToParse(_ text: String) {
        #expect(Self.bytesValue(text) == nil)
    }

    @Test func agreesWithParseOnNearMissesOfEveryShape() {
        let texts = ["0", "00", "-00.0", "1.", "1.2", "1.23456789", "1.234567890", "-1.23456789", "1e0", "1.0e1",
                     "92233720368.54775807", "92233720368.54775808", "-92233720368.54775808", "-92233720368.54775809",
                     "922337203685", "0.000000001", "-", "-.", "1-", "1.-2", "12a", "a12", "1.2a", "+0", " ", "1 .5"]
        for text in texts { #expect(Self.bytesValue(text) == Self.parsed(text), "\(text)") }
    }

    @Test func agreesWithParseOnFormattedAndMangledValues() async {
        await propertyCheck(count: 300, input: Gens.raw) { raw in
            let text = DecimalText.format(raw)
            #expect(Self.bytesValue(text) == raw)
            // Extra fraction zeros up to the limit and one past it, and a dropped last digit.
            let padded = text.contains(".") ? text + "0" : text + ".0"
            #expect(Self.bytesValue(padded) == Self.parsed(padded), "\(padded)")
            let overlong = text.contains(".") ? text + "000000000" : text + ".000000000"
            #expect(Self.bytesValue(overlong) == nil, "\(overlong)")
            #expect(Self.bytesValue(String(text.dropLast())) == Self.parsed(String(text.dropLast())))
        }
    }

    @Test func readsOnlyItsSliceOfALargerBuffer() {
        let line = Array(#"{"qty":"12.5","x":1}"#.utf8)
        line.withUnsafeBufferPointer { bytes in
            #expect(DecimalText.rawValue(exactly: bytes[8..<12]) == 1_250_000_000)
        }
    }
}
