/// Why a decimal string was refused. Every case names the problem; none rounds.
public enum DecimalError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notANumber(String)
    case exponent
    case signNotAllowed
    case missingDigits
    case tooManyFractionDigits(Int)
    case outOfRange

    public var description: String {
        switch self {
        case .empty: "empty number"
        case .notANumber(let text): "not a decimal number: \"\(text)\""
        case .exponent: "exponents are not accepted; write the number out in full"
        case .signNotAllowed: "a sign is not allowed here"
        case .missingDigits: "digits are required on both sides of the decimal point"
        case .tooManyFractionDigits(let count):
            "\(count) fractional digits; at most 8 are accepted (nothing is rounded)"
        case .outOfRange: "out of range for 8-decimal fixed point (|x| < 92233720368.54775808)"
        }
    }
}

/// Exact conversion between decimal text and raw fixed-point values (8 decimals).
///
/// Accepted: `-?[0-9]+(\.[0-9]{1,8})?`. Refused, each with its own error: empty text, exponents,
/// NaN/Infinity and other letters, a leading `+`, a bare `.`/`5.`/`.5`, more than 8 fractional
/// digits (never rounded), and values outside `Int64` raw range.
public enum DecimalText {
    public static func parse(_ text: Substring, allowNegative: Bool) throws(DecimalError) -> Int64 {
        var bytes = text.utf8[...]
        guard !bytes.isEmpty else { throw .empty }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            guard first == UInt8(ascii: "-"), allowNegative else { throw .signNotAllowed }
            negative = true
            bytes = bytes.dropFirst()
        }
        try refuseNonDigits(bytes, text: text)
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = dot.map { bytes[..<$0] } ?? bytes
        let fraction = dot.map { bytes[bytes.index(after: $0)...] } ?? bytes[bytes.endIndex...]
        guard !whole.isEmpty, dot == nil || !fraction.isEmpty else { throw .missingDigits }
        guard fraction.count <= fixedFractionDigits else {
            throw .tooManyFractionDigits(fraction.count)
        }
        // Accumulate negatively: Int64.min has no positive counterpart.
        var accumulated: Int64 = 0
        for digit in whole { accumulated = try shift(accumulated, digit) }
        for digit in fraction { accumulated = try shift(accumulated, digit) }
        for _ in fraction.count..<fixedFractionDigits { accumulated = try shift(accumulated, UInt8(ascii: "0")) }
        if negative { return accumulated }
        guard accumulated != Int64.min else { throw .outOfRange }
        return -accumulated
    }

    /// Canonical text: shortest form, no trailing fractional zeros, no `+`, `-` only below zero.
    public static func format(_ raw: Int64) -> String {
        let magnitude = raw.magnitude
        let scale = UInt64(fixedScale)
        var text = raw < 0 ? "-" : ""
        text += String(magnitude / scale)
        var fraction = magnitude % scale
        guard fraction != 0 else { return text }
        var digits = fixedFractionDigits
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let fractionText = String(fraction)
        text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        return text
    }

    private static func refuseNonDigits(_ bytes: Substring.UTF8View.SubSequence, text: Substring) throws(DecimalError) {
        var dots = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): continue
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"): throw .exponent
            default: throw .notANumber(String(text.prefix(40)))
            }
        }
        guard dots <= 1 else { throw .notANumber(String(text.prefix(40))) }
    }

    private static func shift(_ accumulated: Int64, _ digit: UInt8) throws(DecimalError) -> Int64 {
        let (times10, overflow1) = accumulated.multipliedReportingOverflow(by: 10)
        let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
        guard !overflow1, !overflow2 else { throw .outOfRange }
        return next
    }
}
