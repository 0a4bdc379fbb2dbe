import SolventCore
import SolventStore

/// `solvent bench store`'s `store.keys64`: the request-key index under 64 clients' keys, without
/// the daemon. Commits of 64 records, one key from each of 64 clients ("c17-1042": each client's
/// keys follow each other, as a gateway's do), through `EventLog` with the standard
/// `RequestIndexPolicy` (keys via the recent databases, folded from 4,096) against every key put
/// straight into `requests` (`directBatchKeys` 1: how all keys were stored before), same run.
struct StoreKeysBench {
    let scale: Double
    static let clients = 64

    func run(_ report: inout BenchReport) throws {
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

        var description: String {
            func at(_ fraction: Double) -> Int { Int(commitsUs[min(commitsUs.count - 1, Int(Double(commitsUs.count) * fraction))]) }
            return "commit p50 \(at(0.5)) us, p90 \(at(0.9)), p99 \(at(0.99)), max \(Int(commitsUs.last ?? 0))"
        }
    }

    static func run(_ records: [AppendRecord], _ policy: RequestIndexPolicy, _ directory: String) throws -> Run {
        try EventLog.create(directory: directory, createdTimeMs: 0)
        let log = try EventLog(directory: directory, requestIndex: policy)
        var commitsUs: [Double] = []
        var sent = [Int](repeating: 1_000, count: clients)
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
        return Run(rate: Double(records.count) / seconds, commitsUs: commitsUs.sorted())
    }
}
