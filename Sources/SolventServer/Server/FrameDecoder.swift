import NIOCore
import SolventCore
import SolventProtocol
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
///
/// Plain logic over the connection's buffered bytes, called by `ConnectionHandler` itself: as a
/// `ByteToMessageHandler` of its own, every request crossed two more pipeline handlers boxed in
/// `NIOAny` and cast back, about a third of the event loop's time for one pipelining client.
struct FrameDecoder {
    private enum Mode { case undecided, lines, binary, discarding }
    private var mode = Mode.undecided
    /// Bytes of the current partial line already searched for a newline.
    private var scannedBytes = 0

    /// Takes the next frame from the front of `buffer`, or returns nil when `buffer` holds no
    /// whole one (its bytes then wait for more). After a fatal frame every byte is discarded.
    mutating func next(_ buffer: inout ByteBuffer) -> InboundFrame? {
        while true {
            switch mode {
            case .undecided:
                if let fatal = decideMode(&buffer) { return fatal }
                if case .undecided = mode { return nil }
            case .lines: return nextLine(&buffer)
            case .binary: return nextFrame(&buffer)
            case .discarding:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return nil
            }
        }
    }

    /// At the end of the input, once `next` returned nil: what the rest of `buffer` makes.
    /// A last line without its newline is still a request; a binary frame cut short is refused.
    mutating func last(_ buffer: inout ByteBuffer) -> InboundFrame? {
        guard buffer.readableBytes > 0 else { return nil }
        switch mode {
        case .lines, .undecided:
            return .line(buffer.readSlice(length: buffer.readableBytes)!)
        case .binary:
            let count = buffer.readableBytes
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return fail(InputError(code: "bad_frame", message: "the connection ended inside a frame (\(count) bytes of it)"), binary: true)
        case .discarding:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
    }

    /// Sets the mode from the connection's first bytes; returns the refusal of a bad magic.
    private mutating func decideMode(_ buffer: inout ByteBuffer) -> InboundFrame? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard first == BinaryProtocol.magic[0] else {
            mode = .lines
            return nil
        }
        guard let magic = buffer.getBytes(at: buffer.readerIndex, length: BinaryProtocol.magic.count) else { return nil }
        guard magic == BinaryProtocol.magic else {
            return fail(InputError(code: "bad_magic", message: "a binary connection starts with 00 53 56 01"), binary: false)
        }
        buffer.moveReaderIndex(forwardBy: magic.count)
        mode = .binary
        return nil
    }

    private mutating func nextLine(_ buffer: inout ByteBuffer) -> InboundFrame? {
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
                return fail(InputError(code: "line_too_long", message: "a request line is at most \(Request.maxLineBytes) bytes"), binary: false)
            }
            return nil
        }
        scannedBytes = 0
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        return .line(line)
    }

    private mutating func nextFrame(_ buffer: inout ByteBuffer) -> InboundFrame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= BinaryProtocol.maxFrameBytes else {
            return fail(InputError(code: "frame_too_large", message: "frame length \(length) over \(BinaryProtocol.maxFrameBytes) bytes"), binary: true)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return .binary(buffer.readSlice(length: Int(length))!)
    }

    private mutating func fail(_ error: InputError, binary: Bool) -> InboundFrame {
        mode = .discarding
        return .fatal(error, binary: binary)
    }
}
