/// One member of an object read by `JSONScan`: byte ranges into the scanned text, no tree.
public struct ScannedMember: Sendable {
    public enum Kind: Sendable { case string, number, null, bool, object }
    /// The name's bytes, without quotes.
    public var key: Range<Int>
    public var kind: Kind
    /// A string's bytes without quotes, a number's or literal's text, an object's braces and all.
    public var value: Range<Int>
}

/// A fast scan of the JSON shapes a feeder sends all day (an object whose values are plain
/// strings, numbers, literals and at most one nested object of such values), straight from the
/// bytes: no `JSONValue` tree, no `String` per name. It is a filter, not a second parser: it
/// returns nil for anything outside that subset — escapes, bytes outside printable ASCII,
/// arrays, deeper nesting, a duplicate name — and for anything malformed, and the caller then
/// runs `JSONParser`, whose errors remain the only ones a client ever sees. What it accepts it
/// reads exactly as `JSONParser` would (the same grammar, the same texts).
public struct JSONScan {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int

    /// Scans `bytes` as one object with at most one object-valued member. On success `outer`
    /// holds the object's members and `inner` the nested object's (empty if none); nil when the
    /// text is outside the subset or not JSON.
    public static func object(_ bytes: UnsafeBufferPointer<UInt8>, outer: inout [ScannedMember],
                              inner: inout [ScannedMember]) -> Bool {
        var scan = JSONScan(bytes: bytes, index: 0)
        outer.removeAll(keepingCapacity: true)
        inner.removeAll(keepingCapacity: true)
        scan.skipSpace()
        guard scan.members(into: &outer, nested: &inner, depth: 0) else { return false }
        scan.skipSpace()
        return scan.index == bytes.count
    }

    /// Whether the member's key is `name` (byte for byte).
    public static func key(_ member: ScannedMember, is name: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard member.key.count == name.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return bytes[member.key].elementsEqual(expected)
    }

    /// The member named `name` (the names are ASCII and unique: the scan refused duplicates).
    public static func member(_ name: String, in members: [ScannedMember], _ bytes: UnsafeBufferPointer<UInt8>) -> ScannedMember? {
        var name = name
        return name.withUTF8 { wanted in
            members.first { $0.key.count == wanted.count && bytes[$0.key].elementsEqual(wanted) }
        }
    }

    /// The member's value as `JSONParser` gives it (an object is not a leaf: nil).
    public static func value(_ member: ScannedMember, _ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        switch member.kind {
        case .string: .string(String(decoding: bytes[member.value], as: UTF8.self))
        case .number: .number(String(decoding: bytes[member.value], as: UTF8.self))
        case .null: .null
        case .bool: .bool(member.value.count == 4)
        case .object: nil
        }
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    /// `{ "name": value, … }`; `nested` receives the members of an object value (at most one,
    /// and only at depth 0).
    mutating func members(into members: inout [ScannedMember], nested: inout [ScannedMember], depth: Int) -> Bool {
        guard current == UInt8(ascii: "{") else { return false }
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            skipSpace()
            guard let key = string() else { return false }
            // A duplicate name: JSONParser refuses it.
            guard !members.contains(where: { $0.key.count == key.count && bytes[$0.key].elementsEqual(bytes[key]) }) else { return false }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return false }
            index += 1
            skipSpace()
            guard let (kind, value) = leafOrObject(nested: &nested, depth: depth) else { return false }
            members.append(ScannedMember(key: key, kind: kind, value: value))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return true
            default: return false
            }
        }
    }

    mutating func leafOrObject(nested: inout [ScannedMember], depth: Int) -> (ScannedMember.Kind, Range<Int>)? {
        let start = index
        guard let first = current else { return nil }
        switch first {
        case UInt8(ascii: "\""): return string().map { (.string, $0) }
        case UInt8(ascii: "t"): return literal("true") ? (.bool, start..<index) : nil
        case UInt8(ascii: "f"): return literal("false") ? (.bool, start..<index) : nil
        case UInt8(ascii: "n"): return literal("null") ? (.null, start..<index) : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number() ? (.number, start..<index) : nil
        case UInt8(ascii: "{"):
            // One nested object, whose own values must be leaves.
            guard depth == 0, nested.isEmpty else { return nil }
            var deeper: [ScannedMember] = []
            guard members(into: &nested, nested: &deeper, depth: 1) else { return nil }
            guard !nested.isEmpty else { return nil }  // `{}` would read as "no nested object".
            return (.object, start..<index)
        default: return nil
        }
    }

    /// A string of printable ASCII without escapes; returns its bytes without the quotes.
    mutating func string() -> Range<Int>? {
        guard current == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            guard byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              bytes[index..<(index + count)].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count)) else { return false }
        index += count
        return true
    }

    /// RFC 8259 number grammar, as `JSONParser.number`.
    private mutating func number() -> Bool {
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }

    private mutating func digits() -> Int {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }
}
