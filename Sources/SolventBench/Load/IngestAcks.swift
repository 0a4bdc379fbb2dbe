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
    /// The keys acknowledged `ok:true` by the replies of one connection, whose requests had
    /// `keys` in order. Throws on a reply that does not parse, or a count that does not match.
    static func acknowledged(_ bytes: [UInt8], framing: LoadClient.Framing, keys: [String]) throws -> [String] {
        var acked: [String] = []
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
                if members.first(where: { $0.key == "ok" })?.value == .bool(true) { acked.append(keys[index]) }
                index += 1
            }
        case .binary:
            var offset = 0
            while offset + 4 <= bytes.count {
                let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                guard offset + 4 + length <= bytes.count, index < keys.count else {
                    throw BenchFailure(message: "ingest check: a truncated reply frame, or more replies than requests")
                }
                let frame = try BinaryProtocol.reply(body: ByteBuffer(bytes: bytes[offset + 4..<offset + 4 + length]))
                if case .appended = frame { acked.append(keys[index]) }
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
    /// client input beyond them (`acked` is every request the daemon ever acknowledged).
    static func checkLog(directory: String, acked: [String]) throws {
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
            guard inputs == acked.count else {
                throw BenchFailure(message: "ingest check FAILED: the log holds \(inputs) client inputs for \(acked.count) acknowledged requests")
            }
        }
    }
}
