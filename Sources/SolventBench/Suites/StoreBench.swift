import CLMDB
import SolventCore
import SolventStore

/// `solvent bench store`: appends through SolventStore (hash chain on) against raw LMDB
/// `MDB_APPEND` of the same record bytes and batch sizes, in the same run (SPEC §10).
public struct StoreBench {
    let scale: Double

    /// (records per transaction, records in all) for each figure.
    var shapes: [(batch: Int, total: Int)] {
        [(10_000, Int(1_000_000 * scale)), (100, Int(100_000 * scale)), (1, Int(2_000 * scale))].map {
            (batch: $0.0, total: max($0.1 / $0.0 * $0.0, $0.0))
        }
    }

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        for shape in shapes {
            let records = Self.records(count: shape.total)
            let raw = try withTemporaryDirectory { try RawLMDB.appendRate(records, batch: shape.batch, directory: $0) }
            let store = try withTemporaryDirectory { try Self.storeRate(records, batch: shape.batch, directory: $0) }
            let name = shape.batch == 10_000 ? "store" : "store.batch\(shape.batch)"
            let size = records.first?.bytes.count ?? 0
            report.add(BenchFigure(bench: name, value: store, unit: "events/s", baseline: raw,
                                   note: "\(shape.total) records of \(size) bytes, \(shape.batch) per transaction"))
        }
    }

    /// Pre-encoded trade records of about 100 bytes: encoding is not the store's cost.
    static func records(count: Int) -> [AppendRecord] {
        let market = MarketID(valid: "BTC-PERP")
        return (0..<count).map { index in
            var trade = Trade()
            trade.market = market
            trade.buyer = AccountID(valid: "account-\(100_000 + index % 100_000)")
            trade.seller = AccountID(valid: "account-\(100_000 + (index + 1) % 100_000)")
            trade.qty = Quantity(raw: Int64(1 + index % 1000) * 100_000)
            trade.price = Price(units: 30_000 + Int64(index % 500))
            trade.ref = Identifier(valid: "gw-1:trade-\(10_000_000 + index)")
            let seq = Seq(UInt64(index + 1))
            let record = Record(seq: seq, time: TimeMs(Int64(index)), event: .trade(trade))
            return AppendRecord(seq: seq, time: record.time, bytes: RecordCodec.encode(record), requestKey: nil)
        }
    }

    static func storeRate(_ records: [AppendRecord], batch: Int, directory: String) throws -> Double {
        try EventLog.create(directory: directory, createdTimeMs: 0)
        let log = try EventLog(directory: directory)
        let seconds = try measureSeconds {
            var start = 0
            while start < records.count {
                let end = min(start + batch, records.count)
                try log.append(Array(records[start..<end]))
                start = end
            }
        }
        return Double(records.count) / seconds
    }
}

/// The physical reference: LMDB through its C API with nothing on top.
enum RawLMDB {
    static func appendRate(_ records: [AppendRecord], batch: Int, directory: String) throws -> Double {
        var env: OpaquePointer?
        try check(mdb_env_create(&env))
        defer { mdb_env_close(env) }
        try check(mdb_env_set_mapsize(env, 1 << 34))
        try check(mdb_env_set_maxdbs(env, 4))
        try check(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644))
        var dbi = MDB_dbi()
        try write(env) { txn in try check(mdb_dbi_open(txn, "events", UInt32(MDB_CREATE), &dbi)) }
        return Double(records.count) / (try measureSeconds {
            var start = 0
            while start < records.count {
                let end = min(start + batch, records.count)
                try write(env) { txn in
                    for record in records[start..<end] { try put(txn, dbi, seq: record.seq, value: record.bytes) }
                }
                start = end
            }
        })
    }

    private static func put(_ txn: OpaquePointer?, _ dbi: MDB_dbi, seq: Seq, value: ArraySlice<UInt8>) throws {
        var keyBytes = seq.rawValue.bigEndian
        try withUnsafeMutableBytes(of: &keyBytes) { keyBuffer in
            try value.withUnsafeBytes { valueBuffer in
                var key = MDB_val(mv_size: 8, mv_data: keyBuffer.baseAddress)
                var data = MDB_val(mv_size: valueBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: valueBuffer.baseAddress))
                try check(mdb_put(txn, dbi, &key, &data, UInt32(MDB_APPEND)))
            }
        }
    }

    private static func write(_ env: OpaquePointer?, _ body: (OpaquePointer?) throws -> Void) throws {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn))
        do { try body(txn) } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn))
    }

    private static func check(_ code: Int32) throws {
        guard code == 0 else { throw BenchFailure(message: "lmdb: " + String(cString: mdb_strerror(code))) }
    }
}
