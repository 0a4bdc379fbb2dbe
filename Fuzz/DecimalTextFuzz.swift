import SolventCore

/// libFuzzer entry: any bytes (as UTF-8, lossily) through the decimal parser, both signs allowed
/// and not. An accepted value must survive format → parse unchanged: nothing is ever rounded.
@_cdecl("LLVMFuzzerTestOneInput")
public func decimalTextFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for allowNegative in [false, true] {
        guard let raw = try? DecimalText.parse(text[...], allowNegative: allowNegative) else { continue }
        precondition(allowNegative || raw >= 0, "negative value accepted without allowNegative")
        let again = try? DecimalText.parse(DecimalText.format(raw)[...], allowNegative: true)
        precondition(again == raw, "format(parse(x)) does not parse back to the same value")
    }
    return 0
}
