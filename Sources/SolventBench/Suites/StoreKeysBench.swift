import Foundation
import SolventCore
import SolventStore

/// `solvent bench store`'s `store.keys64`: the request-key index under 64 clients' keys, without
/// the daemon. Commits of 64 records, one key from each of 64 clients ("c17-1042": each client's
/// keys follow each other, as a gateway's do), through `EventLog` with the standard
/// `RequestIndexPolicy` (keys via the recent databases, folded from 4,096) against every key put
/// straight into `requests` (`directBatchKeys` 1: how all keys were stored before), same run.
public struct StoreKeysBench {
    let scale: Double
    static let clients = 64

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        let total = max(Self.clients, Int(128_000 * scale) / Self.clients * Self.clients)
        let records = StoreBench.records(count: total)
        let direct = try withTemporaryDirectory { try Self.run(records, RequestIndexPolicy(foldAtKeys: 1 << 30, foldChunkKeys: 1, directBatchKeys: 1), $0) }
        let recent = try withTemporaryDirectory { try Self.run(records, .standard, $0) }
        report.add(BenchFigure(
            bench: "store.keys64", value: recent.rate, unit: "events/s", baseline: direct.rate,
            note: "\(total) records of \(records.first?.bytes.count ?? 0) bytes, \(Self.clients) per commit, a key from each of "
                + "\(Self.clients) clients; via the recent databases (a fold from every \(RequestIndexPolicy.standard.foldAtKeys)): \(recent); "
                + "baseline every key into requests: \(direct)"))
    }

    struct Run: CustomStringConvertible {
        var rate: Double
        /// Commit times in microseconds, sorted.
        var commitsUs: [Double]
        /// Bytes this process wrote (LMDB's page writes) and its CPU time, per commit: unlike
        /// the times, not moved by other processes' disk writes.
        var writtenBytesPerCommit: Double
        var cpuUsPerCommit: Double

        var description: String {
            func at(_ fraction: Double) -> Int { Int(commitsUs[min(commitsUs.count - 1, Int(Double(commitsUs.count) * fraction))]) }
            return "\(Int(writtenBytesPerCommit / 1024)) KiB written and \(Int(cpuUsPerCommit)) us CPU per commit, "
                + "commit p50 \(at(0.5)) us, p90 \(at(0.9)), p99 \(at(0.99)), max \(Int(commitsUs.last ?? 0))"
        }
    }

    /// Bytes this process has passed to write(2) and its kin (`wchar` of /proc/self/io); 0 where
    /// that file does not exist.
    static func writtenBytes() -> Double {
        guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8),
              let line = io.split(separator: "\n").first(where: { $0.hasPrefix("wchar:") }),
              let value = Double(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces))
        else { return 0 }
        return value
    }

    static func run(_ records: [AppendRecord], _ policy: RequestIndexPolicy, _ directory: String) throws -> Run {
        try EventLog.create(directory: directory, createdTimeMs: 0)
        let log = try EventLog(directory: directory, requestIndex: policy)
        var commitsUs: [Double] = []
        var sent = [Int](repeating: 1_000, count: clients)
        let writtenBefore = writtenBytes()
        let cpuBefore = IngestBench.ownCPUSeconds()
        let seconds = try measureSeconds {
            var start = 0
            while start < records.count {
                var batch = Array(records[start..<(start + clients)])
                for client in 0..<clients {
                    batch[client].requestKey = "c\(client)-\(sent[client])"
                    sent[client] += 1
                }
                commitsUs.append(try measureSeconds { try log.append(batch) } * 1e6)
                start += clients
            }
        }
        let commits = Double(max(1, commitsUs.count))
        return Run(rate: Double(records.count) / seconds, commitsUs: commitsUs.sorted(),
                   writtenBytesPerCommit: (writtenBytes() - writtenBefore) / commits,
                   cpuUsPerCommit: (IngestBench.ownCPUSeconds() - cpuBefore) * 1e6 / commits)
    }
}
