import SolventCore
import SolventStore

/// A standby's record and its chain hash, sent in its hello so the leader can tell where their
/// logs part (a former leader's unacknowledged tail): the hash after record `seq` commits to
/// every record up to it, so the newest probe the leader agrees with is a point both logs share.
public struct ChainProbe: Equatable, Sendable {
    public var seq: Seq
    public var hash: [UInt8]

    public init(seq: Seq, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash
    }

    /// The probes of a log whose head is `head`: the head, then records 1, 2, 4, 8, … back from
    /// it, and record 1 last. Doubling distances keep them few (at most 64) and bound what a
    /// standby drops beyond the true fork point to as much again as its own tail.
    public static func of(_ log: EventLog, head: Seq) throws -> [ChainProbe] {
        guard head > 0 else { return [] }
        var seqs: [Seq] = [head]
        var distance: UInt64 = 1
        while seqs.last! > 1 && seqs.count < ReplicationMessage.maxProbes - 1 {
            seqs.append(Seq(head.rawValue > distance ? head.rawValue - distance : 1))
            distance *= 2
        }
        if seqs.last != 1 { seqs.append(1) }
        return try seqs.map { seq in
            guard let hash = try log.chainHash(through: seq) else { throw ReplicationError.malformed("record \(seq) is missing") }
            return ChainProbe(seq: seq, hash: hash)
        }
    }

    /// The probes as the hello carries them, and its proof covers them: a count, then each seq
    /// and hash.
    static func encode(_ probes: [ChainProbe]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(probes.count)]
        for probe in probes {
            bytes += withUnsafeBytes(of: probe.seq.rawValue.bigEndian, Array.init)
            bytes += probe.hash
        }
        return bytes
    }
}
