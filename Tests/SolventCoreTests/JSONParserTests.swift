import PropertyBased
import Testing
@testable import SolventCore

/// A strict RFC 8259 parser: numbers keep their text, duplicate keys and anything lenient refused.
@Suite struct JSONParserTests {
    static let accepted: [(text: String, value: JSONValue)] = [
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("1.000000001", .number("1.000000001")),
        ("1E+2", .number("1E+2")),
        ("-12.5e-3", .number("-12.5e-3")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("\"\"", .string("")),
        ("\"a\\\"b\\\\c\\/d\"", .string("a\"b\\c/d")),
        ("\"\\b\\f\\n\\r\\t\"", .string("\u{8}\u{C}\n\r\t")),
        ("\"\\u00e9\\u00C9\"", .string("éÉ")),
        ("\"\\u0000\"", .string("\u{0}")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"\\uD834\\uDD1E\"", .string("𝄞")),
        ("\"raw é 東京 😀 \u{7F}\"", .string("raw é 東京 😀 \u{7F}")),
        ("[]", .array([])),
        ("{}", .object([])),
        (" \t\r\n[ 1 , \"x\" , null ] \n", .array([.number("1"), .string("x"), .null])),
        ("{\"b\":1,\"a\":{\"c\":[true]}}", .object([JSONMember("b", .number("1")),
                                                 JSONMember("a", .object([JSONMember("c", .array([.bool(true)]))]))])),
        ("{\"amount\":1.000000001}", .object([JSONMember("amount", .number("1.000000001"))])),
        ("{\"a\":1,\"A\":2}", .object([JSONMember("a", .number("1")), JSONMember("A", .number("2"))])),
    ]

    @Test(arguments: accepted)
    func acceptedTextParsesToExactValue(_ text: String, _ value: JSONValue) throws {
        #expect(try JSONParser.parse(text) == value)
    }

    static let refused: [String] = [
        "", " ", "nul", "tru", "True", "NULL", "undefined", "NaN", "Infinity", "-Infinity",
        "01", "-01", "+1", ".5", "1.", "1.e3", "1e", "1e+", "-", "0x10", "1_000",
        "[1,]", "[,1]", "[1,,2]", "[1 2]", "[", "]", "[1", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":}",
        "{a:1}", "{'a':1}", "{\"a\":1", "{\"a\":1}}", "[1]x", "1 2", "{} {}",
        "{\"a\":1,\"a\":2}", "{\"x\":{\"k\":1,\"k\":1}}",
        "\"unterminated", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\\"", "'single'",
        "\"\\ud83d\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"", "\"\\ude00\"", "\"\\ud83d\\n\"",
        "\"tab\there\"", "\"new\nline\"", "\"nul\u{0}\"", "\"\u{1F}\"",
        "\u{FEFF}{}", "\u{C}1", "[1]\u{0}", "/* c */ 1", "// c\n1",
    ]

    @Test(arguments: refused)
    func lenientOrInvalidTextIsRefused(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test func invalidUTF8InsideAStringIsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONError.self, "\(bytes)") { try JSONParser.parse(bytes) }
        }
        #expect(throws: JSONError.self) { try JSONParser.parse([0xFF]) }
    }

    @Test func errorsSayWhereParsingStopped() {
        let duplicate = #expect(throws: JSONError.self) { try JSONParser.parse("{\"a\":1,\"a\":2}") }
        #expect(duplicate?.offset == 7)
        #expect(duplicate?.message.contains("duplicate") == true)
        let trailing = #expect(throws: JSONError.self) { try JSONParser.parse("[1,]") }
        #expect(trailing?.offset == 3)
    }

    @Test func nestingIsBoundedAtThirtyTwo() throws {
        func arrays(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        func objects(_ depth: Int) -> String { String(repeating: "{\"a\":", count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1) }
        #expect(JSONParser.maxDepth == 32)
        _ = try JSONParser.parse(arrays(32))
        _ = try JSONParser.parse(objects(32))
        #expect(throws: JSONError.self) { try JSONParser.parse(arrays(33)) }
        #expect(throws: JSONError.self) { try JSONParser.parse(objects(33)) }
        // Far deeper input is refused without exhausting the stack.
        #expect(throws: JSONError.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONError.self) { try JSONParser.parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    static let escapes: [(value: String, written: String)] = [
        ("plain", "\"plain\""),
        ("q\"uote", "\"q\\\"uote\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("a\nb\rc\td", "\"a\\nb\\rc\\td\""),
        ("\u{0}\u{1}\u{1F}", "\"\\u0000\\u0001\\u001f\""),
        ("\u{8}\u{C}", "\"\\u0008\\u000c\""),
        ("/ é 😀 \u{7F} \u{2028}", "\"/ é 😀 \u{7F} \u{2028}\""),
    ]

    @Test(arguments: escapes)
    func writerEscapesWhatJSONRequires(_ value: String, _ written: String) throws {
        #expect(JSONWriter.string(.string(value)) == written)
        #expect(try JSONParser.parse(written) == .string(value))
    }

    @Test func writerIsCompactAndKeepsMemberOrder() {
        let value = JSONValue.object([
            JSONMember("z", .number("1.50")), JSONMember("a", .array([.null, .bool(false), .string("x")])),
            JSONMember("m", .object([])),
        ])
        #expect(JSONWriter.string(value) == "{\"z\":1.50,\"a\":[null,false,\"x\"],\"m\":{}}")
    }

    /// A random JSON tree: unique keys per object, numbers as valid JSON number text.
    static func tree(_ rng: inout some RandomNumberGenerator, depth: Int) -> JSONValue {
        let numbers = ["0", "-0", "1.000000001", "92233720368.54775807", "-1e-7", "3E+20", "42"]
        switch Int.random(in: 0..<(depth >= 4 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(numbers.randomElement(using: &rng)!)
        case 3: return .string(Draw.string(&rng))
        case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in tree(&rng, depth: depth + 1) })
        default:
            return .object((0..<Int.random(in: 0...4, using: &rng)).map { index in
                JSONMember("\(Draw.string(&rng))#\(index)", tree(&rng, depth: depth + 1))
            })
        }
    }

    @Test func writtenJSONParsesBackToTheSameValue() async {
        let trees = Generator { rng in Self.tree(&rng, depth: 0) }
        await propertyCheck(count: 300, input: trees) { value throws in
            let text = JSONWriter.string(value)
            #expect(try JSONParser.parse(text) == value)
            // Written text is one line: NDJSON-safe.
            #expect(!text.utf8.contains(0x0A) && !text.utf8.contains(0x0D))
        }
    }

    @Test func subscriptFindsMembersOnlyInObjects() {
        let value = JSONValue.object([JSONMember("a", .number("1"))])
        #expect(value["a"] == .number("1"))
        #expect(value["b"] == nil)
        #expect(JSONValue.array([.number("1")])["a"] == nil)
    }
}
