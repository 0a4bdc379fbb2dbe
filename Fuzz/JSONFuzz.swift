import SolventCore

/// libFuzzer entry: any bytes through the strict JSON parser (depth limit, UTF-8 checks). A
/// parsed value written back out must parse to an equal value.
@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let again = try? JSONParser.parse(JSONWriter.string(value))
    precondition(again == value, "write(parse(x)) does not parse back to an equal value")
    return 0
}
