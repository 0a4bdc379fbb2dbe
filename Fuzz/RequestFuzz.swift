import SolventCore
import SolventProtocol

/// libFuzzer entry: any bytes as one NDJSON request line (newline already stripped, as the
/// server's line decoder delivers it). Parsing must return a request or a refusal with a code,
/// and the fast scan (`Request.scannedAppend`) may only accept what the JSON tree path accepts,
/// reading it as the same append (same key, time and event).
@_cdecl("LLVMFuzzerTestOneInput")
public func requestFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = Array(UnsafeBufferPointer(start: data, count: size))
    do { _ = try Request.parse(line: line) } catch {
        precondition(!error.error.code.isEmpty, "refusal without an error code")
    }
    guard let fast = line.withUnsafeBufferPointer({ Request.scannedAppend($0) }) else { return 0 }
    let tree: Request
    do { tree = try Request.parseTree(line: line) } catch {
        preconditionFailure("the scan accepted a line the tree path refuses: \(error.error)")
    }
    guard case .append(let fastKey, let fastTime, let fastEvent) = fast,
          case .append(let treeKey, let treeTime, let treeEvent) = tree else {
        preconditionFailure("the scan read an append the tree path reads as another request")
    }
    precondition(fastKey == treeKey && fastTime == treeTime && fastEvent == treeEvent, "the scan and the tree disagree")
    return 0
}
