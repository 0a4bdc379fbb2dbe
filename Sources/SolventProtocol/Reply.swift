import NIOCore
import SolventCore

/// The reply lines of SPEC §8, written with SolventCore's JSON writer (no newline).
public enum Reply {
    /// The reply line of `response`.
    public static func line(_ response: Response) -> String {
        switch response {
        case .appended(let key, let seq, let derived): appended(key: key, seq: seq, derived: derived.map { ($0.seq, $0.kind) })
        case .refused(let key, let error): refused(key: key, error)
        case .batchAppended(let key, let results): batch(key: key, results)
        case .status(let seq, let headHash, let timeMs, let rules, let cluster):
            status(seq: seq, headHash: headHash, timeMs: timeMs, rules: rules, cluster: cluster)
        case .account(let view): account(view)
        case .ticked(let appended): appended ? "clock" : "clock skipped"
        }
    }

    /// Writes `response`'s line and its newline. An acknowledgement with nothing derived and a
    /// plain key, the bulk of a feeder's replies, is written directly, not through a JSON tree.
    public static func write(_ response: Response, into buffer: inout ByteBuffer) {
        if case .appended(let key, let seq, let derived) = response, derived.isEmpty, isPlain(key) {
            writePlainAck(key: key, seq: seq, into: &buffer)
        } else if case .batchAppended(let key, let results) = response, isPlain(key) {
            writeBatch(key: key, results, into: &buffer)
        } else {
            buffer.writeString(line(response))
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
    }

    /// `{"key":"<key>","ok":true,"seq":<seq>,"derived":[]}` and its newline, stored in one write
    /// (six `write…` calls were each a checked access to the buffer's storage).
    private static func writePlainAck(key: String, seq: Seq, into buffer: inout ByteBuffer) {
        let head: StaticString = #"{"key":""#, middle: StaticString = #"","ok":true,"seq":"#
        let tail: StaticString = #","derived":[]}"#  // then "\n"
        let fixedBytes = head.utf8CodeUnitCount + middle.utf8CodeUnitCount + tail.utf8CodeUnitCount + 1
        var key = key
        key.withUTF8 { keyBytes in
            // A UInt64 has at most 20 decimal digits.
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: fixedBytes + keyBytes.count + 20) { raw in
                var offset = 0
                func put(_ bytes: UnsafeRawBufferPointer) {
                    UnsafeMutableRawBufferPointer(rebasing: raw[offset..<offset + bytes.count]).copyMemory(from: bytes)
                    offset += bytes.count
                }
                func put(_ text: StaticString) { put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)) }
                put(head)
                put(UnsafeRawBufferPointer(keyBytes))
                put(middle)
                offset += writeDecimal(seq.rawValue, into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
                put(tail)
                raw[offset] = UInt8(ascii: "\n")
                return offset + 1
            }
        }
    }

    /// Writes `value` in decimal at the start of `destination`; returns the digits written.
    private static func writeDecimal(_ value: UInt64, into destination: UnsafeMutableRawBufferPointer) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        var remaining = value
        for position in stride(from: count - 1, through: 0, by: -1) {
            destination[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return count
    }

    /// Printable ASCII without quote or backslash: its JSON string is itself in quotes.
    private static func isPlain(_ key: String) -> Bool {
        key.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// `{"key":…,"ok":true,"seq":17,"derived":[{"seq":18,"kind":"margin.call"}]}`
    public static func appended(key: String, seq: Seq, derived: [(seq: Seq, kind: EventKind)]) -> String {
        JSONWriter.string(.object([
            JSONMember("key", .string(key)),
            JSONMember("ok", .bool(true)),
            JSONMember("seq", .number(String(seq))),
            JSONMember("derived", derivedJSON(derived)),
        ]))
    }

    private static func derivedJSON(_ derived: [(seq: Seq, kind: EventKind)]) -> JSONValue {
        .array(derived.map { record in
            .object([JSONMember("seq", .number(String(record.seq))), JSONMember("kind", .string(record.kind.name))])
        })
    }

    private static func errorJSON(_ error: InputError) -> JSONValue {
        .object([
            JSONMember("code", .string(error.code)),
            JSONMember("message", .string(error.message)),
            JSONMember("field", error.field.map { .string($0) } ?? .null),
        ])
    }

    /// `{"key":…,"ok":true,"results":[{"ok":true,"seq":17,"derived":[]},{"ok":false,"error":{…}}]}`:
    /// `ok` says the batch was read and committed; each event's own `ok` says whether it was appended.
    public static func batch(key: String, _ results: [BatchResult]) -> String {
        JSONWriter.string(.object([
            JSONMember("key", .string(key)),
            JSONMember("ok", .bool(true)),
            JSONMember("results", .array(results.map(resultJSON))),
        ]))
    }

    private static func resultJSON(_ result: BatchResult) -> JSONValue {
        switch result {
        case .appended(let seq, let derived):
            .object([JSONMember("ok", .bool(true)), JSONMember("seq", .number(String(seq))),
                     JSONMember("derived", derivedJSON(derived.map { ($0.seq, $0.kind) }))])
        case .refused(let error):
            .object([JSONMember("ok", .bool(false)), JSONMember("error", errorJSON(error))])
        }
    }

    /// `batch(key:_:)`'s line and its newline, the usual result (appended, nothing derived)
    /// written directly: a JSON tree of a thousand results cost more than the events' staging.
    private static func writeBatch(key: String, _ results: [BatchResult], into buffer: inout ByteBuffer) {
        buffer.writeString(#"{"key":""#)
        buffer.writeString(key)
        buffer.writeString(#"","ok":true,"results":["#)
        var scratch = [UInt8](repeating: 0, count: 20)
        for (index, result) in results.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            guard case .appended(let seq, let derived) = result, derived.isEmpty else {
                buffer.writeString(JSONWriter.string(resultJSON(result)))
                continue
            }
            buffer.writeString(#"{"ok":true,"seq":"#)
            let digits = scratch.withUnsafeMutableBytes { writeDecimal(seq.rawValue, into: $0) }
            buffer.writeBytes(scratch[..<digits])
            buffer.writeString(#","derived":[]}"#)
        }
        buffer.writeString("]}\n")
    }

    /// `{"key":…,"ok":false,"error":{"code":…,"message":…,"field":…}}`; `key` is null when the
    /// request had none (e.g. malformed JSON), `field` when no field is at fault.
    public static func refused(key: String?, _ error: InputError) -> String {
        JSONWriter.string(.object([
            JSONMember("key", key.map { .string($0) } ?? .null),
            JSONMember("ok", .bool(false)),
            JSONMember("error", errorJSON(error)),
        ]))
    }

    /// `{"ok":true,"seq":…,"head":"<64 hex>","time":…}`: the last committed record and the clock.
    /// `rules`: the engine rules of the log (docs/FORMAT.md "Engine rules"), so a client that
    /// computes what the engine would (a bidder's curve price) uses that log's defaults.
    /// In a cluster, `role`, `node` and `leader` follow (`leader` null while an election runs).
    public static func status(seq: Seq, headHash: [UInt8], timeMs: TimeMs, rules: RulesVersion, cluster: ClusterRole? = nil) -> String {
        var members = [
            JSONMember("ok", .bool(true)),
            JSONMember("seq", .number(String(seq))),
            JSONMember("head", .string(hex(headHash))),
            JSONMember("time", .number(String(timeMs))),
            JSONMember("rules", .number(String(rules.rawValue))),
        ]
        if let cluster {
            members += [JSONMember("role", .string(cluster.role.rawValue)), JSONMember("node", .string(cluster.node)),
                        JSONMember("leader", cluster.leader.map { .string($0) } ?? .null)]
        }
        return JSONWriter.string(.object(members))
    }

    /// A standby's refusal of what only the leader does: `not_leader`, and the leader's node id
    /// and socket (null while an election runs) beside the error, for a client to go there.
    public static func notLeader(key: String?, node: String, leader: String?, leaderSocket: String?) -> String {
        let message = leader.map { "node \(node) is a standby: send this to the leader, node \($0)" }
            ?? "node \(node) is a standby and no leader is elected yet: retry shortly"
        return JSONWriter.string(.object([
            JSONMember("key", key.map { .string($0) } ?? .null),
            JSONMember("ok", .bool(false)),
            JSONMember("error", errorJSON(InputError(code: "not_leader", message: message))),
            JSONMember("leader", leader.map { .string($0) } ?? .null),
            JSONMember("leaderSocket", leaderSocket.map { .string($0) } ?? .null),
        ]))
    }

    /// The SPEC §9 account JSON with `"ok":true` in front: `{"ok":true,"account":"alice","seq":…}`.
    public static func account(_ view: AccountView) -> String {
        guard case .object(let members) = view.json else { preconditionFailure("an account view is a JSON object") }
        return JSONWriter.string(.object([JSONMember("ok", .bool(true))] + members))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
