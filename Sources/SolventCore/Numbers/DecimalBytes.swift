extension DecimalText {
    /// `parse(_:allowNegative: true)` on bytes the caller holds, for the socket's scanned
    /// appends: the same grammar (`-?[0-9]+(\.[0-9]{1,8})?`) and the same value, with no String
    /// made. Nil for anything else — that text's error is `parse`'s to word, so the caller
    /// falls back to it.
    static func rawValue(exactly bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        var index = bytes.startIndex
        let end = bytes.endIndex
        let negative = index < end && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // Accumulate negatively, as `parse` does: Int64.min has no positive counterpart.
        var accumulated: Int64 = 0
        var wholeDigits = 0
        while index < end, let digit = digitValue(bytes[index]) {
            guard let next = shifted(accumulated, digit) else { return nil }
            accumulated = next
            wholeDigits += 1
            index += 1
        }
        guard wholeDigits > 0 else { return nil }
        var fractionDigits = 0
        if index < end {
            guard bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            while index < end, let digit = digitValue(bytes[index]) {
                guard fractionDigits < fixedFractionDigits, let next = shifted(accumulated, digit) else { return nil }
                accumulated = next
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0, index == end else { return nil }
        }
        for _ in fractionDigits..<fixedFractionDigits {
            guard let next = shifted(accumulated, 0) else { return nil }
            accumulated = next
        }
        if negative { return accumulated }
        return accumulated == Int64.min ? nil : -accumulated
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    private static func shifted(_ accumulated: Int64, _ digit: Int64) -> Int64? {
        let (times10, overflow1) = accumulated.multipliedReportingOverflow(by: 10)
        let (next, overflow2) = times10.subtractingReportingOverflow(digit)
        return overflow1 || overflow2 ? nil : next
    }
}
