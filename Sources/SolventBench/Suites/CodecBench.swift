import Foundation
import SolventCore
import SolventRandom

/// `solvent bench codec`: the two codings every ingested trade goes through, on one thread, with
/// no socket and no store: its binary input frame decoded (`InputCodec.decode`, the event loop's
/// work per event of a binary frame) and its record encoded into a group's buffer
/// (`RecordCodec.encode(_:into:)`, the durable stage's). Each beside copying the same bytes one
/// record at a time, the floor any coding of them pays (docs/INGEST.md, issue 24).
public struct CodecBench {
    let scale: Double

    var count: Int { max(Int(200_000 * scale), 1_000) }
    static let rounds = 5

    public init(scale: Double) { self.scale = scale }

    public func run(_ report: inout BenchReport) throws {
        let records = Self.trades(count)
        let frames = records.map { record in
            var writer = ByteWriter(capacity: 96)
            InputCodec.encode(record.event, into: &writer)
            return writer.bytes
        }
        let encoded = records.map { RecordCodec.encode($0) }
        let recordBytes = encoded.reduce(0) { $0 + $1.count }

        let encode = best { () -> Int in
            var writer = ByteWriter(capacity: recordBytes)
            for index in records.indices { RecordCodec.encode(records[index], into: &writer) }
            return writer.bytes.count
        }
        let copyRecords = best { Self.copy(encoded, total: recordBytes) }
        report.add(figure("codec.encode", seconds: encode, baseline: copyRecords,
                          note: "\(count) trade records of \(recordBytes / count) bytes on average, encoded into one buffer (RecordCodec.encode(_:into:)); baseline: the same bytes copied into one buffer record by record"))

        var refused = 0
        let decode = best { () -> Int in
            var decoded = 0
            for frame in frames {
                frame.withUnsafeBytes { raw in
                    var reader = ByteReader(unsafeBytes: raw)
                    if (try? InputCodec.decode(&reader)) != nil { decoded += 1 } else { refused += 1 }
                }
            }
            return decoded
        }
        guard refused == 0 else { throw BenchFailure(message: "codec bench: \(refused) generated frames were refused") }
        let copyFrames = best { Self.copy(frames, total: frames.reduce(0) { $0 + $1.count }) }
        report.add(figure("codec.decode", seconds: decode, baseline: copyFrames,
                          note: "\(count) binary input frames of trades (InputCodec.decode: payload read, ids checked, event validated); baseline: the same bytes copied record by record"))
    }

    private func figure(_ name: String, seconds: Double, baseline: Double, note: String) -> BenchFigure {
        let rate = Double(count) / seconds
        return BenchFigure(bench: name, value: rate, unit: "records/s", baseline: Double(count) / baseline,
                           note: "\(note); \(String(format: "%.1f", seconds * 1e9 / Double(count))) ns per record, best of \(Self.rounds)")
    }

    /// The fastest of `rounds` runs of `body`, in seconds (`body` returns something to keep).
    private func best(_ body: () -> Int) -> Double {
        var fastest = Double.infinity
        var kept = 0
        for _ in 0..<Self.rounds {
            let start = ContinuousClock.now
            kept &+= body()
            let elapsed = ContinuousClock.now - start
            fastest = min(fastest, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        precondition(kept != 0, "a codec bench round did nothing")
        return fastest
    }

    private static func copy(_ chunks: [[UInt8]], total: Int) -> Int {
        var writer = ByteWriter(capacity: total)
        for chunk in chunks { writer.writeBytes(chunk) }
        return writer.bytes.count
    }

    /// Trades as `bench ingest` sends them: 4,000 accounts, one market, `BenchInputs.randomTrade`.
    static func trades(_ count: Int) -> [Record] {
        var random = SplitMix64(state: 0xC0DEC)
        let market = MarketID(valid: "BTC-PERP")
        let ids = (0..<4_000).map { AccountID(valid: "acct-\($0)") }
        return (0..<count).map { index in
            Record(seq: Seq(UInt64(index + 1)), time: TimeMs(1_700_000_000_000 + Int64(index)),
                   event: BenchInputs.randomTrade(market: market, ids: ids, among: ids.count, priceTicks: 300_000, random: &random))
        }
    }
}
