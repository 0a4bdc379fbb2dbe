import NIOCore
import NIOPosix
import SolventCore
import SolventProtocol
import SolventStore

/// One subscribing connection: catch-up from the log in bounded chunks, each read in its own
/// read-only transaction on NIO's blocking pool (never on the writer's thread, never holding a
/// reader open for long), written with backpressure (the next chunk waits for the socket); then
/// live records from the hub. Every record is one line in the `solvent log --json` shape.
final class Subscription: @unchecked Sendable {
    /// Records scanned per catch-up read transaction.
    static let chunkRecords = 4_096
    /// A slow subscriber's error line gets this long to be read before the connection is cut.
    static let slowGraceSeconds: Int64 = 5

    let channel: any Channel
    let kinds: KindFilter
    private let hub: SubscriptionHub
    // Guarded by the hub's lock; `liveFromSeq` is set once, when going live.
    var liveFromSeq: Seq = 0
    var backlogRecords = 0

    init(channel: any Channel, kinds: KindFilter, hub: SubscriptionHub) {
        self.channel = channel
        self.kinds = kinds
        self.hub = hub
    }

    func start(from: Seq?) {
        guard let from else {
            _ = hub.goLive(self, from: nil)
            return
        }
        Task { await catchUp(from: from) }
    }

    private func catchUp(from first: Seq) async {
        var next = first
        let log = hub.log, kinds = kinds
        do {
            while channel.isActive {
                let start = next
                let chunk = try await NIOThreadPool.singleton.runIfActive {
                    try Self.readChunk(log, from: start, kinds: kinds, maxRecords: Self.chunkRecords)
                }
                if chunk.lines.readableBytes > 0 { try await channel.writeAndFlush(chunk.lines) }
                next = chunk.nextSeq
                if chunk.reachedHead && hub.goLive(self, from: next) { return }
            }
        } catch {
            channel.close(promise: nil)  // The client left, or the log could not be read.
        }
    }

    struct Chunk: Sendable {
        var lines: ByteBuffer
        var nextSeq: Seq
        /// The reader saw no record after `nextSeq - 1`.
        var reachedHead: Bool
    }

    /// Up to `maxRecords` records from `from` in one read transaction, the selected ones as lines.
    static func readChunk(_ log: EventLog, from: Seq, kinds: KindFilter, maxRecords: Int) throws -> Chunk {
        try log.read { reader in
            var lines = ByteBufferAllocator().buffer(capacity: 16 * 1024)
            var next = from
            var scanned = 0
            try reader.forEachBorrowed(from: from, through: nil) { stored in
                // The kind byte sits at offset 17 of the encoding (docs/FORMAT.md): skip unselected
                // records without decoding them.
                if stored.bytes.count > 17, kinds.selects(kindByte: stored.bytes[17]) {
                    writeLine(try RecordCodec.decode(stored.bytes), into: &lines)
                }
                next = stored.seq + 1
                scanned += 1
                return scanned < maxRecords
            }
            return Chunk(lines: lines, nextSeq: next, reachedHead: next > reader.lastSeq)
        }
    }

    static func writeLine(_ record: Record, into buffer: inout ByteBuffer) {
        buffer.writeString(JSONWriter.string(RecordJSON.json(record)))
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// From the committer thread: encodes and writes the selected records on the channel's loop;
    /// the backlog shrinks by `count` once they are written to the socket.
    func sendLive(_ records: [Record], fromSeq: Seq, count: Int) {
        let channel = channel, kinds = kinds, hub = hub
        channel.eventLoop.execute { [self] in
            var lines = channel.allocator.buffer(capacity: count * 160)
            for record in records where record.seq >= fromSeq && kinds.selects(record.kind) {
                Self.writeLine(record, into: &lines)
            }
            channel.writeAndFlush(lines).whenComplete { _ in hub.release(self, count: count) }
        }
    }

    /// Sends the `slow_subscriber` error after what is already queued, then closes; a client that
    /// does not read even that is cut off after `slowGraceSeconds`.
    func disconnectSlow(limit: Int) {
        let channel = channel
        channel.eventLoop.execute {
            var line = channel.allocator.buffer(capacity: 200)
            line.writeString(Reply.refused(key: nil, InputError(
                code: "slow_subscriber", message: "more than \(limit) records waited for this subscriber; disconnected")))
            line.writeInteger(UInt8(ascii: "\n"))
            channel.writeAndFlush(line).whenComplete { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(Self.slowGraceSeconds)) { channel.close(promise: nil) }
        }
    }
}
