import SolventCore

/// libFuzzer entry: any bytes through the canonical record decoder. A record that decodes must
/// re-encode to exactly the input: the encoding is canonical (docs/FORMAT.md), so two byte
/// strings for one record would break the hash chain's meaning.
@_cdecl("LLVMFuzzerTestOneInput")
public func recordCodecFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let record = try? RecordCodec.decode(bytes) else { return 0 }
    precondition(RecordCodec.encode(record) == bytes, "decoded record does not re-encode to its input")
    return 0
}
