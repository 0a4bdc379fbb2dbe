import Crypto
import NIOCore

/// Authenticates every frame after the handshake: a frame is the message followed by
/// HMAC-SHA256(session key, direction ‖ counter ‖ message), where the session key is
/// HMAC-SHA256(pre-shared key, "solvent-session" ‖ leader nonce ‖ standby nonce) and each
/// direction counts its frames from 0. A frame inserted, altered, replayed, reordered or taken
/// from another session fails its check and the link is closed: the handshake proves who is at
/// each end, the seal that nobody else speaks in between. (Not encryption: the records are
/// readable on the wire; see docs/REPLICATION.md.)
struct SessionSeal {
    private let secret: [UInt8]
    private let sendDirection: UInt8
    private var sent: UInt64 = 0
    private var received: UInt64 = 0

    static let tagBytes = 32

    init(handshake: Handshake, leaderNonce: [UInt8], standbyNonce: [UInt8], isLeader: Bool) {
        secret = handshake.prove(Array("solvent-session".utf8) + leaderNonce + standbyNonce)
        sendDirection = isLeader ? 1 : 2
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    private func tag(direction: UInt8, counter: UInt64, _ message: ByteBuffer) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: [direction] + withUnsafeBytes(of: counter.bigEndian, Array.init))
        mac.update(data: Array(message.readableBytesView))
        return Array(mac.finalize())
    }

    /// The frame of `message`, sealed.
    mutating func seal(_ message: ReplicationMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        message.encode(into: &buffer)
        let mac = tag(direction: sendDirection, counter: sent, buffer)
        sent += 1
        buffer.writeBytes(mac)
        return buffer
    }

    /// The message of a sealed frame from the other end; throws if its seal does not hold.
    mutating func open(_ frame: ByteBuffer) throws(ReplicationError) -> ReplicationMessage {
        guard frame.readableBytes >= Self.tagBytes else { throw .malformed("a frame shorter than its seal") }
        let message = frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - Self.tagBytes)!
        let offered = frame.getBytes(at: frame.readerIndex + message.readableBytes, length: Self.tagBytes)!
        let expected = tag(direction: 3 - sendDirection, counter: received, message)
        var difference: UInt8 = 0
        for (a, b) in zip(offered, expected) { difference |= a ^ b }
        guard difference == 0 else { throw .malformed("frame \(received) fails its seal: altered, replayed or not from the peer") }
        received += 1
        return try ReplicationMessage.decode(message)
    }
}
