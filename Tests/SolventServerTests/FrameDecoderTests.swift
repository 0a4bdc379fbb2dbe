import NIOCore
import SolventCore
import SolventProtocol
@testable import SolventServer
import Testing

/// The connection's framing, now called by `ConnectionHandler` on the bytes it holds: however the
/// socket splits a stream, the same frames come out.
@Suite struct FrameDecoderTests {
    /// What a frame is, comparable.
    private enum Seen: Equatable {
        case line(String)
        case binary([UInt8])
        case fatal(code: String, binary: Bool)

        init(_ frame: InboundFrame) {
            switch frame {
            case .line(let bytes): self = .line(String(buffer: bytes))
            case .binary(let bytes): self = .binary(Array(bytes.readableBytesView))
            case .fatal(let error, let binary): self = .fatal(code: error.code, binary: binary)
            }
        }
    }

    /// Feeds `stream` in chunks of the given sizes (cycled) as the connection handler does:
    /// bytes that make no whole frame wait, the next chunk is appended to them; at the end, `last`.
    private static func frames(_ stream: [UInt8], chunks: [Int]) -> [Seen] {
        var decoder = FrameDecoder()
        var held = ByteBuffer()
        var seen: [Seen] = []
        var offset = 0
        var chunk = 0
        while offset < stream.count {
            let size = min(chunks[chunk % chunks.count], stream.count - offset)
            held.writeBytes(stream[offset..<offset + size])
            offset += size
            chunk += 1
            while let frame = decoder.next(&held) { seen.append(Seen(frame)) }
        }
        if let frame = decoder.last(&held) { seen.append(Seen(frame)) }
        return seen
    }

    @Test func linesComeOutWholeHoweverTheBytesAreSplit() {
        let lines = (0..<40).map { #"{"op":"append","key":"k\#($0)","event":{"kind":"deposit"}}"# }
        var stream = Array(lines.joined(separator: "\n").utf8)  // The last one without its newline.
        stream.insert(contentsOf: Array("\r".utf8), at: lines[0].utf8.count)  // CRLF is one line end too.
        let expected = lines.map { Seen.line($0) }
        for chunks in [[stream.count], [1], [2, 3, 5, 7, 11, 13], [17, 1, 64, 2], [4_096]] {
            #expect(Self.frames(stream, chunks: chunks) == expected, "chunks \(chunks)")
        }
    }

    @Test func binaryFramesComeOutWholeHoweverTheBytesAreSplit() {
        let bodies: [[UInt8]] = (0..<30).map { index in (0..<(index * 7 % 50)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) } }
        var stream = BinaryProtocol.magic
        for body in bodies {
            withUnsafeBytes(of: UInt32(body.count).bigEndian) { stream.append(contentsOf: $0) }
            stream.append(contentsOf: body)
        }
        let expected = bodies.map { Seen.binary($0) }
        for chunks in [[stream.count], [1], [3, 1, 4, 1, 5, 9, 2, 6], [100, 2]] {
            #expect(Self.frames(stream, chunks: chunks) == expected, "chunks \(chunks)")
        }
        // Cut inside the last frame: refused at the end of input.
        #expect(Self.frames(Array(stream.dropLast(3)), chunks: [5]) == Array(expected.dropLast()) + [.fatal(code: "bad_frame", binary: true)])
    }

    @Test func afterAFatalFrameEveryByteIsDiscarded() {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: Request.maxLineBytes + 5_000) + Array("\n{\"op\":\"status\"}\n".utf8)
        #expect(Self.frames(long, chunks: [1_000]) == [.fatal(code: "line_too_long", binary: false)])
        let badMagic: [UInt8] = [0x00, 0x53, 0x56, 0x09] + Array("{\"op\":\"status\"}\n".utf8)
        #expect(Self.frames(badMagic, chunks: [1]) == [.fatal(code: "bad_magic", binary: false)])
        var tooLarge = BinaryProtocol.magic
        withUnsafeBytes(of: UInt32(BinaryProtocol.maxFrameBytes + 1).bigEndian) { tooLarge.append(contentsOf: $0) }
        tooLarge += [UInt8](repeating: 1, count: 100)
        #expect(Self.frames(tooLarge, chunks: [7]) == [.fatal(code: "frame_too_large", binary: true)])
    }
}

/// The acknowledgements written in one store each are the bytes the general writers give.
@Suite struct AcknowledgementBytesTests {
    @Test func aPlainNDJSONAckIsTheJSONWritersLine() {
        for (key, seq) in [("a", UInt64(0)), ("k-1", 9), ("key.with:all_allowed-chars~!", 10), (String(repeating: "z", count: 255), 1_234_567),
                           ("x", UInt64.max), ("space and {braces}", 100_000_000_000)] {
            let response = Response.appended(key: key, seq: Seq(seq), derived: [])
            var buffer = ByteBuffer()
            Reply.write(response, into: &buffer)
            #expect(String(buffer: buffer) == Reply.line(response) + "\n", "key \(key) seq \(seq)")
        }
    }

    @Test func aBinaryAckIsTheDocumentedFrame() throws {
        var buffer = ByteBuffer()
        BinaryProtocol.write(.appended(key: "k", seq: 0x0102_0304_0506_0708, derived: [DerivedRef(seq: 1, kind: .marginCall)]), into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0, 0, 0, 13, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1])
        _ = buffer.readInteger(as: UInt32.self)
        #expect(try BinaryProtocol.reply(body: buffer) == .appended(seq: 0x0102_0304_0506_0708, derivedCount: 1))
    }

    /// A batch's reply writes its appended results in runs between refusals: every pattern of
    /// refusals (first, last, in a row, none, all) reads back as the results in their order.
    @Test func aBinaryBatchReplyReadsBackInOrderWhereverItsRefusalsAre() throws {
        let refusal = InputError(code: "time_regression", field: "time", message: "time 1 is before the log's last time 2")
        let derived = [DerivedRef(seq: 9, kind: .marginCall), DerivedRef(seq: 10, kind: .marginCallCleared)]
        for pattern in 0..<(1 << 6) {
            let results: [BatchResult] = (0..<6).map { index in
                pattern & (1 << index) != 0 ? .refused(refusal) : .appended(seq: Seq(UInt64(100 + index)), derived: Array(derived.prefix(index % 3)))
            }
            var buffer = ByteBuffer()
            BinaryProtocol.write(.batchAppended(key: "b", results: results), into: &buffer)
            #expect(buffer.readInteger(as: UInt32.self).map(Int.init) == buffer.readableBytes)
            let expected: [BinaryProtocol.ReplyFrame] = results.map { result in
                switch result {
                case .appended(let seq, let derived): .appended(seq: seq, derivedCount: UInt32(derived.count))
                case .refused(let error): .refused(code: error.code, message: error.message, field: error.field)
                }
            }
            #expect(try BinaryProtocol.batchReply(body: buffer) == expected, "pattern \(pattern)")
        }
    }
}
