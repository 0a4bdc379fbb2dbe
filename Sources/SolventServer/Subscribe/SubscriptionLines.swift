import NIOCore
import SolventCore
import SolventProtocol
import SolventStore

/// The lines a subscription sends, read from a log by a reader beside the server: a cluster
/// standby serves `subscribe` from its own log this way (docs/REPLICATION.md, "Clients"), in the
/// same shape and chunks as the server's catch-up.
public enum SubscriptionLines {
    /// Up to `maxRecords` records from `from` in one read transaction, the ones `kinds` selects
    /// as `solvent log --json` lines; the seq to read next, and whether the log's head was reached.
    public static func chunk(_ log: EventLog, from: Seq, kinds: KindFilter, maxRecords: Int = 4_096) throws
        -> (lines: ByteBuffer, nextSeq: Seq, reachedHead: Bool) {
        let chunk = try Subscription.readChunk(log, from: from, kinds: kinds, maxRecords: maxRecords)
        return (chunk.lines, chunk.nextSeq, chunk.reachedHead)
    }
}
