import NIOCore
import SolventCore
#if canImport(Glibc)
import Glibc
#endif

/// One unit read from a connection: a JSON line, a binary frame body, or a framing error after
/// which nothing more can be read from this connection.
enum InboundFrame {
    case line(ByteBuffer)
    case binary(ByteBuffer)
    /// The connection must be closed once this refusal is sent; `binary` says how to send it.
    case fatal(InputError, binary: Bool)
}

/// Splits a connection's bytes into requests. The first byte decides the mode for the whole
/// connection: `BinaryProtocol.magic` (which starts with a NUL, never the start of JSON) selects
/// binary frames, anything else newline-delimited JSON. Every buffer is bounded: a line without
/// its newline after `maxLineBytes`, or a frame length over `maxFrameBytes`, is a fatal error,
/// since the framing cannot resynchronise; garbage inside a complete frame is the request's error.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = InboundFrame

    private enum Mode { case undecided, lines, binary, discarding }
    private var mode = Mode.undecided
    /// Bytes of the current partial line already searched for a newline.
    private var scannedBytes = 0

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch mode {
        case .undecided: return decideMode(context: context, buffer: &buffer)
        case .lines: return decodeLine(context: context, buffer: &buffer)
        case .binary: return decodeFrame(context: context, buffer: &buffer)
        case .discarding:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        guard buffer.readableBytes > 0 else { return .needMoreData }
        switch mode {
        case .lines, .undecided:
            // A last line without its newline is still a request.
            context.fireChannelRead(wrapInboundOut(.line(buffer.readSlice(length: buffer.readableBytes)!)))
        case .binary:
            let count = buffer.readableBytes
            buffer.moveReaderIndex(to: buffer.writerIndex)
            fail(context, InputError(code: "bad_frame", message: "the connection ended inside a frame (\(count) bytes of it)"), binary: true)
        case .discarding:
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return .needMoreData
    }

    private mutating func decideMode(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        guard first == BinaryProtocol.magic[0] else {
            mode = .lines
            return .continue
        }
        guard let magic = buffer.getBytes(at: buffer.readerIndex, length: BinaryProtocol.magic.count) else { return .needMoreData }
        guard magic == BinaryProtocol.magic else {
            fail(context, InputError(code: "bad_magic", message: "a binary connection starts with 00 53 56 01"), binary: false)
            return .continue
        }
        buffer.moveReaderIndex(forwardBy: magic.count)
        mode = .binary
        return .continue
    }

    private mutating func decodeLine(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        let readable = buffer.readableBytes
        // memchr rather than a generic element loop: this runs over every byte received.
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard scannedBytes < bytes.count, let base = bytes.baseAddress,
                  let hit = memchr(base + scannedBytes, Int32(UInt8(ascii: "\n")), bytes.count - scannedBytes) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        guard let length = found else {
            scannedBytes = readable
            if readable > Request.maxLineBytes {
                fail(context, InputError(code: "line_too_long", message: "a request line is at most \(Request.maxLineBytes) bytes"), binary: false)
                return .continue
            }
            return .needMoreData
        }
        scannedBytes = 0
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    private mutating func decodeFrame(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= BinaryProtocol.maxFrameBytes else {
            fail(context, InputError(code: "frame_too_large", message: "frame length \(length) over \(BinaryProtocol.maxFrameBytes) bytes"), binary: true)
            return .continue
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(.binary(buffer.readSlice(length: Int(length))!)))
        return .continue
    }

    private mutating func fail(_ context: ChannelHandlerContext, _ error: InputError, binary: Bool) {
        mode = .discarding
        context.fireChannelRead(wrapInboundOut(.fatal(error, binary: binary)))
    }
}
