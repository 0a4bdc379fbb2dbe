import NIOCore
import SolventProtocol
@testable import SolventServer

/// libFuzzer entry: any bytes as what a client sends on a connection, through the server's
/// `FrameDecoder` (NDJSON lines or, after the magic, binary frames) fed as `ConnectionHandler`
/// feeds it — the bytes of each read appended to what the last one left — and every frame it
/// yields through the request parsers (`Request.parse`, `BinaryProtocol.request`).
///
/// The first input byte picks a read size (1–64 bytes); the rest is the connection's bytes.
/// Checked beyond "does not crash":
/// - the frames are the same whether the bytes arrive in one read or in small ones (framing
///   never depends on where reads split — below the line limit, where a long line without its
///   newline yet is refused early by design);
/// - nothing follows a fatal framing error, and a binary frame body is within `maxFrameBytes`;
/// - every refusal carries an error code.
@_cdecl("LLVMFuzzerTestOneInput")
public func frameFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let readBytes = Int(data[0] % 64) + 1
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let whole = frames(of: stream, readBytes: max(1, stream.count))
    let split = frames(of: stream, readBytes: readBytes)
    if stream.count <= Request.maxLineBytes {
        precondition(whole == split, "frames differ with reads of \(readBytes) bytes: \(whole) vs \(split)")
    }
    for (index, frame) in split.enumerated() {
        if case .fatal = frame { precondition(index == split.count - 1, "a frame after a fatal framing error") }
    }
    return 0
}

/// A comparable record of one decoded frame.
enum SeenFrame: Equatable {
    case line([UInt8])
    case binary([UInt8])
    case fatal(code: String)
}

/// Feeds `stream` to a fresh decoder in reads of `readBytes` as `ConnectionHandler.channelRead`
/// does, then ends the input (`FrameDecoder.last`); returns the frames and runs each through its
/// parser.
func frames(of stream: [UInt8], readBytes: Int) -> [SeenFrame] {
    var decoder = FrameDecoder()
    var held = ByteBuffer()
    var seen: [SeenFrame] = []
    var offset = 0
    while offset < stream.count {
        let end = min(stream.count, offset + readBytes)
        if held.writableBytes < end - offset { held.discardReadBytes() }
        held.writeBytes(stream[offset..<end])
        while let frame = decoder.next(&held) { seen.append(parse(frame)) }
        offset = end
    }
    if let frame = decoder.last(&held) { seen.append(parse(frame)) }
    return seen
}

private func parse(_ frame: InboundFrame) -> SeenFrame {
    switch frame {
    case .line(let line):
        let bytes = Array(line.readableBytesView)
        do { _ = try Request.parse(line: bytes) } catch {
            precondition(!error.error.code.isEmpty, "line refusal without an error code")
        }
        return .line(bytes)
    case .binary(let body):
        precondition(body.readableBytes <= BinaryProtocol.maxFrameBytes, "a frame body over the limit")
        do { _ = try BinaryProtocol.request(body: body) } catch {
            precondition(!error.error.code.isEmpty, "frame refusal without an error code")
        }
        return .binary(Array(body.readableBytesView))
    case .fatal(let error, _):
        precondition(!error.code.isEmpty, "fatal framing error without a code")
        return .fatal(code: error.code)
    }
}
