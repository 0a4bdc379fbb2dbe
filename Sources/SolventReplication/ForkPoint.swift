import SolventCore
import SolventStore

/// Where a standby's log and the leader's part (issue 26: a former leader comes back with
/// records no standby acknowledged), from the standby's chain probes: hashes chain, so the two
/// logs agree on every record up to the newest probe whose hash the leader's log has too.
enum ForkPoint: Equatable {
    /// The standby's head is in the leader's log (or the standby has none): it follows on.
    case continues
    /// They agree up to `common`, not after: the standby drops its records after `common`.
    case parts(common: Seq)
    /// Not even record 1 agrees: another cluster's log, which no truncation may mend.
    case unrelated

    /// `probes` as `ChainProbe.of` makes them: the head first, newest to oldest.
    static func find(_ probes: [ChainProbe], in log: EventLog) throws -> ForkPoint {
        guard let head = probes.first else { return .continues }
        if try log.chainHash(through: head.seq) == head.hash { return .continues }
        for probe in probes.dropFirst() where try log.chainHash(through: probe.seq) == probe.hash {
            return .parts(common: probe.seq)
        }
        return .unrelated
    }
}
