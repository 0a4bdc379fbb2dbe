import NIOCore
import SolventCore
import SolventProtocol
import SolventStore

/// What `bench ingest` counts as acknowledged, and the check that the log holds it.
///
/// The load clients only count reply boundaries while timed (no parsing on the shared cores);
/// they keep the bytes, and this parses every reply afterwards: only `ok:true` (a binary
/// `appended` frame) counts. Once the daemon has stopped, the log is opened read-only and every
/// acknowledged key must be in its `requests` index, at a distinct seq holding a client input,
/// and the log must hold no other client input: each acknowledged request exactly once.
enum IngestAcks {
    /// What one connection's replies acknowledged: the keys answered `ok:true`, and the events
    /// they appended (a single append one; a batch append each of its events answered `ok`).
    struct Acked {
        var keys: [String] = []
        var events = 0
    }

    /// The keys acknowledged `ok:true` by the replies of one connection, whose requests had
    /// `keys` in order. Throws on a reply that does not parse, or a count that does not match.
    static func acknowledged(_ bytes: [UInt8], framing: LoadClient.Framing, keys: [String]) throws -> [String] {
        try acknowledgedEvents(bytes, framing: framing, keys: keys).keys
    }

    /// `acknowledged`, with the events appended counted too (batch replies: their `ok` results).
    static func acknowledgedEvents(_ bytes: [UInt8], framing: LoadClient.Framing, keys: [String]) throws -> Acked {
        var acked = Acked()
        var index = 0
        switch framing {
        case .lines:
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard index < keys.count else { throw BenchFailure(message: "ingest check: more replies than requests") }
                let reply: JSONValue
                do { reply = try JSONParser.parse(Array(line)) } catch {
                    throw BenchFailure(message: "ingest check: reply \(index) is not JSON: \(String(decoding: line, as: UTF8.self))")
                }
                guard case .object(let members) = reply else { throw BenchFailure(message: "ingest check: reply \(index) is not an object") }
                let key = members.first { $0.key == "key" }?.value
                guard key == .string(keys[index]) else {
                    throw BenchFailure(message: "ingest check: reply \(index) names key \(key.map { JSONWriter.string($0) } ?? "none"), expected \(keys[index])")
                }
                if members.first(where: { $0.key == "ok" })?.value == .bool(true) {
                    let events = members.first { $0.key == "results" }.map { results -> Int in
                        guard case .array(let items) = results.value else { return 0 }
                        return items.filter { $0["ok"] == .bool(true) }.count
                    }
                    acked.add(keys[index], events: events ?? 1)
                }
                index += 1
            }
        case .binary:
            var offset = 0
            while offset + 4 <= bytes.count {
                let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                guard offset + 4 + length <= bytes.count, index < keys.count else {
                    throw BenchFailure(message: "ingest check: a truncated reply frame, or more replies than requests")
                }
                let body = ByteBuffer(bytes: bytes[offset + 4..<offset + 4 + length])
                if bytes[offset + 4] == 2 {
                    let results = try BinaryProtocol.batchReply(body: body)
                    let events = results.filter { if case .appended = $0 { true } else { false } }.count
                    if events > 0 { acked.add(keys[index], events: events) }
                } else if case .appended = try BinaryProtocol.reply(body: body) {
                    acked.add(keys[index], events: 1)
                }
                offset += 4 + length
                index += 1
            }
        }
        guard index == keys.count else {
            throw BenchFailure(message: "ingest check: \(index) replies for \(keys.count) requests")
        }
        return acked
    }

    /// Opens the stopped daemon's log read-only and checks that it holds every key of `acked`
    /// exactly once: each in the `requests` index, at distinct seqs, each a client input, and no
    /// client input beyond the `events` they acknowledged (`acked` is every request the daemon
    /// ever acknowledged; a batch's key is stored at its first event).
    static func checkLog(directory: String, acked: [String], events: Int? = nil) throws {
        let log = try EventLog(directory: directory, readOnly: true)
        try log.read { reader in
            let found = try reader.requestSeqs(acked)
            if found.count != acked.count {
                let present = Set(found.map(\.position))
                let missing = acked.indices.filter { !present.contains($0) }.prefix(5).map { acked[$0] }
                throw BenchFailure(message: "ingest check FAILED: \(acked.count - found.count) acknowledged keys are not in the log, e.g. \(missing)")
            }
            var seqs = Set<Seq>()
            for (position, seq) in found where !seqs.insert(seq).inserted {
                throw BenchFailure(message: "ingest check FAILED: key \(acked[position]) maps to seq \(seq), which another key maps to")
            }
            var inputs = 0
            try reader.forEach { stored in
                let record = try RecordCodec.decode(stored.bytes[...])
                guard record.kind.isInput, record.kind != .clock else { return true }
                inputs += 1
                return true
            }
            for seq in seqs {
                let kind = try reader.record(seq).map { try RecordCodec.decode($0.bytes[...]).kind }
                guard let kind, kind.isInput, kind != .clock else {
                    throw BenchFailure(message: "ingest check FAILED: an acknowledged key's seq \(seq) holds no client input")
                }
            }
            guard inputs == events ?? acked.count else {
                throw BenchFailure(message: "ingest check FAILED: the log holds \(inputs) client inputs for \(events ?? acked.count) acknowledged events")
            }
        }
    }
}

extension IngestAcks.Acked {
    mutating func add(_ key: String, events count: Int) {
        keys.append(key)
        events += count
    }
}
