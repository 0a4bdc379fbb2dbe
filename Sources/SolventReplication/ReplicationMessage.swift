import NIOCore
import SolventCore
import SolventStore

/// The messages of the replication link (docs/REPLICATION.md, "The link"), one per frame. A
/// frame is a u32 big-endian length and that many bytes (NIOExtras' length-field framing); its
/// first byte says which message it is. Numbers are big-endian; strings are u16 length + UTF-8.
public enum ReplicationMessage: Equatable, Sendable {
    /// Leader → standby, first: a fresh nonce, the leader's log settings a new standby's log
    /// must be created with, and its epoch (the etcd revision that made it leader; 0 for a
    /// leader outside a cluster). A standby refuses a lower epoch than the leader it knows.
    case challenge(nonce: [UInt8], rules: UInt32, snapshotEvery: UInt64, epoch: UInt64)
    /// Standby → leader: its nonce, its node id, the first seq it needs, the chain hashes of
    /// some of its records (its head first, then further back, down to record 1: the leader
    /// finds where the two logs agree), and its proof of the key over all of them.
    case hello(nonce: [UInt8], node: String, from: Seq, probes: [ChainProbe], proof: [UInt8])
    /// Leader → standby: the leader's node id and its proof of the key.
    case welcome(node: String, proof: [UInt8])
    /// Leader → standby: records in seq order, the leader's chain hash after the last, and the
    /// leader's epoch.
    case records([ReplicatedRecord], headHash: [UInt8], epoch: UInt64)
    /// Leader → standby, instead of records: the standby's head is not in the leader's log (it
    /// led once, and wrote records no standby acknowledged). `common` is the newest of its probes
    /// the leader holds too: the standby drops its records after it and asks again.
    case diverged(common: Seq, epoch: UInt64)
    /// Standby → leader: the seq its log holds durably.
    case ack(durable: Seq)
    /// Either way, then close: why the other side is refused.
    case refusal(String)

    static let challengeType: UInt8 = 1, helloType: UInt8 = 2, welcomeType: UInt8 = 3
    static let recordsType: UInt8 = 4, ackType: UInt8 = 5, refusalType: UInt8 = 6, divergedType: UInt8 = 7
    /// The most probes a hello carries: enough for logs of 2^63 records at doubling distances.
    public static let maxProbes = 64

    /// The largest frame either side reads: a records message is cut well below it.
    public static let maxFrameBytes = 16 << 20
    /// A records message carries at most this many bytes of records.
    public static let recordsBudgetBytes = 1 << 20

    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .challenge(let nonce, let rules, let snapshotEvery, let epoch):
            buffer.writeInteger(Self.challengeType)
            buffer.writeBytes(nonce)
            buffer.writeInteger(rules)
            buffer.writeInteger(snapshotEvery)
            buffer.writeInteger(epoch)
        case .hello(let nonce, let node, let from, let probes, let proof):
            buffer.writeInteger(Self.helloType)
            buffer.writeBytes(nonce)
            Self.writeString(node, into: &buffer)
            buffer.writeInteger(from.rawValue)
            buffer.writeBytes(ChainProbe.encode(probes))
            buffer.writeBytes(proof)
        case .welcome(let node, let proof):
            buffer.writeInteger(Self.welcomeType)
            Self.writeString(node, into: &buffer)
            buffer.writeBytes(proof)
        case .records(let records, let headHash, let epoch):
            buffer.writeInteger(Self.recordsType)
            buffer.writeInteger(epoch)
            buffer.writeBytes(headHash)
            buffer.writeInteger(UInt32(records.count))
            for record in records {
                buffer.writeInteger(record.seq.rawValue)
                buffer.writeInteger(UInt32(record.bytes.count))
                buffer.writeBytes(record.bytes)
                buffer.writeBytes(record.prevHash)
                Self.writeString(record.requestKey ?? "", into: &buffer)
                // A batch's receipt: a presence byte, then u32 length and the bytes.
                if let receipt = record.receipt {
                    buffer.writeInteger(UInt8(1))
                    buffer.writeInteger(UInt32(receipt.count))
                    buffer.writeBytes(receipt)
                } else {
                    buffer.writeInteger(UInt8(0))
                }
            }
        case .diverged(let common, let epoch):
            buffer.writeInteger(Self.divergedType)
            buffer.writeInteger(common.rawValue)
            buffer.writeInteger(epoch)
        case .ack(let durable):
            buffer.writeInteger(Self.ackType)
            buffer.writeInteger(durable.rawValue)
        case .refusal(let reason):
            buffer.writeInteger(Self.refusalType)
            Self.writeString(String(reason.utf8.prefix(4_000)) ?? "refused", into: &buffer)
        }
    }

    /// Decodes one frame; a frame that is not a whole, well-formed message is an error, never a trap.
    public static func decode(_ frame: ByteBuffer) throws(ReplicationError) -> ReplicationMessage {
        var buffer = frame
        guard let type = buffer.readInteger(as: UInt8.self) else { throw .malformed("an empty frame") }
        let message: ReplicationMessage
        switch type {
        case challengeType:
            message = .challenge(nonce: try bytes(&buffer, Handshake.nonceBytes, "nonce"), rules: try integer(&buffer, "rules"),
                                 snapshotEvery: try integer(&buffer, "snapshotEvery"), epoch: try integer(&buffer, "epoch"))
        case helloType:
            message = .hello(nonce: try bytes(&buffer, Handshake.nonceBytes, "nonce"), node: try string(&buffer, "node"),
                             from: Seq(try integer(&buffer, "from") as UInt64), probes: try probes(&buffer),
                             proof: try bytes(&buffer, Handshake.proofBytes, "proof"))
        case welcomeType:
            message = .welcome(node: try string(&buffer, "node"), proof: try bytes(&buffer, Handshake.proofBytes, "proof"))
        case recordsType:
            let epoch: UInt64 = try integer(&buffer, "epoch")
            let headHash = try bytes(&buffer, 32, "headHash")
            let count: UInt32 = try integer(&buffer, "count")
            var records: [ReplicatedRecord] = []
            for _ in 0..<count {
                let seq: UInt64 = try integer(&buffer, "seq")
                let length: UInt32 = try integer(&buffer, "length")
                let bytes = try Self.bytes(&buffer, Int(length), "record")
                let prevHash = try Self.bytes(&buffer, 32, "prevHash")
                let key = try string(&buffer, "key")
                let hasReceipt: UInt8 = try integer(&buffer, "receipt")
                guard hasReceipt <= 1 else { throw .malformed("receipt flag \(hasReceipt)") }
                let receipt = hasReceipt == 1 ? try Self.bytes(&buffer, Int(try integer(&buffer, "receipt length") as UInt32), "receipt") : nil
                records.append(ReplicatedRecord(seq: Seq(seq), bytes: bytes, prevHash: prevHash, requestKey: key.isEmpty ? nil : key,
                                                receipt: receipt))
            }
            message = .records(records, headHash: headHash, epoch: epoch)
        case divergedType:
            message = .diverged(common: Seq(try integer(&buffer, "common") as UInt64), epoch: try integer(&buffer, "epoch"))
        case ackType:
            message = .ack(durable: Seq(try integer(&buffer, "durable") as UInt64))
        case refusalType:
            message = .refusal(try string(&buffer, "reason"))
        default:
            throw .malformed("unknown message type \(type)")
        }
        guard buffer.readableBytes == 0 else { throw .malformed("\(buffer.readableBytes) bytes after the message") }
        return message
    }

    private static func probes(_ buffer: inout ByteBuffer) throws(ReplicationError) -> [ChainProbe] {
        let count: UInt8 = try integer(&buffer, "probes")
        guard count <= maxProbes else { throw .malformed("\(count) probes; at most \(maxProbes)") }
        var probes: [ChainProbe] = []
        for _ in 0..<count {
            probes.append(ChainProbe(seq: Seq(try integer(&buffer, "probe seq") as UInt64), hash: try bytes(&buffer, 32, "probe hash")))
        }
        return probes
    }

    private static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        let utf8 = Array(text.utf8.prefix(Int(UInt16.max)))
        buffer.writeInteger(UInt16(utf8.count))
        buffer.writeBytes(utf8)
    }

    private static func integer<T: FixedWidthInteger>(_ buffer: inout ByteBuffer, _ field: String) throws(ReplicationError) -> T {
        guard let value = buffer.readInteger(as: T.self) else { throw .malformed("cut short in \(field)") }
        return value
    }

    private static func bytes(_ buffer: inout ByteBuffer, _ count: Int, _ field: String) throws(ReplicationError) -> [UInt8] {
        guard let bytes = buffer.readBytes(length: count) else { throw .malformed("cut short in \(field)") }
        return bytes
    }

    private static func string(_ buffer: inout ByteBuffer, _ field: String) throws(ReplicationError) -> String {
        let length: UInt16 = try integer(&buffer, field)
        let raw = try bytes(&buffer, Int(length), field)
        guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed("\(field) is not UTF-8") }
        return text
    }
}

public enum ReplicationError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case refused(String)
    case unauthenticated(String)
    /// Retrying cannot help: the two logs cannot be made to agree.
    case permanent(String)

    /// Whether a standby should stop rather than reconnect.
    public var isPermanent: Bool {
        switch self {
        case .permanent, .unauthenticated: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .permanent(let why): "cannot follow: \(why)"
        case .malformed(let what): "malformed replication message: \(what)"
        case .refused(let why): "refused: \(why)"
        case .unauthenticated(let why): "not authenticated: \(why)"
        }
    }
}
