import SolventCore

/// libFuzzer entry: any bytes through replay's `RecordDecoder`, which reads the ids of the hot
/// inputs through its own byte-keyed table instead of `RecordCodec`'s plain reader. Replay trusts
/// an input it decoded without asking the codec, so the two must agree exactly: the decoder reads
/// an input if and only if `RecordCodec.decode` reads it as an input (no cause), with the same
/// seq, time and event. The bytes are decoded twice by the same decoder: the first pass interns
/// the ids, the second finds them already in the table (the path replay takes for every id after
/// its first).
@_cdecl("LLVMFuzzerTestOneInput")
public func recordDecoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let reference = try? RecordCodec.decode(Array(bytes))
    let expected = reference.flatMap { $0.cause == nil && $0.kind.isInput ? $0 : nil }
    var decoder = RecordDecoder()
    for pass in 1...2 {
        let input = decoder.decode(bytes).input
        precondition((input == nil) == (expected == nil), "pass \(pass): the decoder and the codec disagree on whether this is an input")
        if let input, let expected {
            precondition(input.seq == expected.seq && input.time == expected.time && input.event == expected.event,
                         "pass \(pass): the decoder read another input than the codec")
        }
    }
    return 0
}
