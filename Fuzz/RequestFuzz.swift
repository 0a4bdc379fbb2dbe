import SolventCore
import SolventServer

/// libFuzzer entry: any bytes as one NDJSON request line (newline already stripped, as the
/// server's line decoder delivers it). Parsing must return a request or a refusal with a code.
@_cdecl("LLVMFuzzerTestOneInput")
public func requestFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = Array(UnsafeBufferPointer(start: data, count: size))
    do { _ = try Request.parse(line: line) } catch {
        precondition(!error.error.code.isEmpty, "refusal without an error code")
    }
    return 0
}
