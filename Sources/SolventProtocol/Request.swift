import SolventCore

/// One NDJSON request line of SPEC §8, parsed; see docs/PROTOCOL.md.
public enum Request: Sendable {
    /// Append `event` under idempotency `key`; `time` nil means "stamp the receipt time".
    case append(key: String, time: TimeMs?, event: Event)
    /// Append every item under ONE idempotency key, in one durable commit; each item keeps its
    /// own result (docs/PROTOCOL.md "Batches").
    case appendBatch(key: String, items: [BatchItem])
    case status
    /// The account's state now, or after record `at` (a past seq; past the head means now).
    case account(AccountID, at: Seq?)
    /// Records from `from` (nil: from the next one committed) whose kind `kinds` selects.
    case subscribe(from: Seq?, kinds: KindFilter)
    /// The daemon's clock: append a `clock` input (no key) unless the engine awaits nothing
    /// (`Ledger.awaitsTime`). Never parsed from the wire; see `SolventServer.tick`.
    case clockTick
}

/// A request refused before it reached the committer; `key` echoes the request's key if it had one.
public struct RequestRefusal: Error, Sendable {
    public var key: String?
    public var error: InputError
}

extension Request {
    /// The longest request line accepted, newline excluded; longer ones get `line_too_long`.
    /// A batch's bound (`BatchLimits.maxBytes`, 1 MiB): the framing cannot tell a batch's line
    /// from another before it has read it.
    public static let maxLineBytes = BatchLimits.maxBytes

    /// Parses one line (without its newline): a plain append through the fast scan (no JSON
    /// tree), anything else — or anything the scan is unsure of — with the strict JSON parser of
    /// SolventCore, which alone words the refusals. Both read an accepted line the same way.
    public static func parse(line: [UInt8]) throws(RequestRefusal) -> Request {
        if let request = line.withUnsafeBufferPointer({ scannedAppend($0) }) { return request }
        return try parseTree(line: line)
    }

    /// `parse(line:)` on bytes the caller holds (a connection's read buffer): copied only when
    /// the fast scan declines them. `scratch` is the scan's working memory, kept by the caller
    /// from one request to the next so that a request costs no allocation for it.
    public static func parse(line: UnsafeRawBufferPointer, scratch: inout ScanScratch) throws(RequestRefusal) -> Request {
        let bytes = line.assumingMemoryBound(to: UInt8.self)
        if let request = scannedAppend(bytes, scratch: &scratch) ?? scannedBatch(bytes, scratch: &scratch) { return request }
        return try parseTree(line: Array(line))
    }

    /// `parse(line:scratch:)` with scratch memory of its own.
    public static func parse(line: UnsafeRawBufferPointer) throws(RequestRefusal) -> Request {
        var scratch = ScanScratch()
        return try parse(line: line, scratch: &scratch)
    }

    /// The member lists `JSONScan` fills, reused from one request to the next.
    public struct ScanScratch {
        var outer: [ScannedMember] = []
        var inner: [ScannedMember] = []
        /// A batch's events (`scannedBatch`): their byte ranges, and the members of the one read.
        var elements: [Range<Int>] = []
        var nested: [ScannedMember] = []

        public init() {
            outer.reserveCapacity(4)  // op, key, event (+ one): no regrowth while scanning
            inner.reserveCapacity(12)  // the widest hot input, a trade: 8 fields, kind and time
        }
    }

    /// An append of the plain shape `{"op":"append","key":…,"event":{…}}` read by `JSONScan`, or
    /// nil (then the tree path decides). Members besides op, key and event are ignored, as there.
    public static func scannedAppend(_ bytes: UnsafeBufferPointer<UInt8>) -> Request? {
        var scratch = ScanScratch()
        return scannedAppend(bytes, scratch: &scratch)
    }

    /// `scannedAppend(_:)` in the caller's scratch memory.
    public static func scannedAppend(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout ScanScratch) -> Request? {
        guard bytes.count <= maxLineBytes else { return nil }
        guard JSONScan.object(bytes, outer: &scratch.outer, inner: &scratch.inner),
              let op = JSONScan.member("op", in: scratch.outer, bytes), op.kind == .string,
              bytes[op.value].elementsEqual("append".utf8),
              let key = JSONScan.member("key", in: scratch.outer, bytes), key.kind == .string,
              key.value.count >= 1 && key.value.count <= RequestKey.maxBytes,
              let event = JSONScan.member("event", in: scratch.outer, bytes), event.kind == .object,
              let input = RecordJSON.input(scanned: scratch.inner, in: bytes) else { return nil }
        return .append(key: String(decoding: bytes[key.value], as: UTF8.self), time: input.time, event: input.event)
    }

    /// The tree path alone: `JSONParser`, then the request's members. Every refusal comes from here.
    public static func parseTree(line: [UInt8]) throws(RequestRefusal) -> Request {
        guard line.count <= maxLineBytes else {
            throw RequestRefusal(key: nil, error: InputError(
                code: "line_too_long", message: "a request line is at most \(maxLineBytes) bytes"))
        }
        let json: JSONValue
        do { json = try JSONParser.parse(line) } catch {
            throw RequestRefusal(key: nil, error: InputError(code: "bad_json", message: error.description))
        }
        guard case .object = json else {
            throw RequestRefusal(key: nil, error: InputError(code: "bad_json", message: "a request must be a JSON object"))
        }
        let key = json["key"].flatMap { value -> String? in if case .string(let text) = value { text } else { nil } }
        do { return try parse(json, key: key) } catch { throw RequestRefusal(key: key, error: error) }
    }

    private static func parse(_ json: JSONValue, key: String?) throws(InputError) -> Request {
        guard case .string(let op)? = json["op"] else {
            throw InputError(code: "bad_op", field: "op", message: "op must be a string: append, status, account or subscribe")
        }
        switch op {
        case "append" where json["events"] != nil:
            guard let key else { throw InputError(code: "bad_key", field: "key", message: "append needs a string key") }
            try checkKey(key)
            return try parseBatch(json, key: key)
        case "append": return try parseAppend(json, key: key)
        case "status": return .status
        case "account":
            guard case .string(let text)? = json["account"] else {
                throw InputError(code: "missing_field", field: "account", message: "account must be a string")
            }
            let id: AccountID
            do { id = try AccountID(text) } catch {
                throw InputError(code: "bad_id", field: "account", message: "\(error)")
            }
            return .account(id, at: try parseAt(json))
        case "subscribe": return try parseSubscribe(json)
        default:
            throw InputError(code: "bad_op", field: "op", message: "unknown op \"\(op.prefix(64))\"")
        }
    }

    private static func parseAppend(_ json: JSONValue, key: String?) throws(InputError) -> Request {
        guard let key else { throw InputError(code: "bad_key", field: "key", message: "append needs a string key") }
        try checkKey(key)
        guard let event = json["event"] else { throw InputError(code: "missing_field", field: "event", message: "append needs an event") }
        let input = try RecordJSON.input(event, requireTime: false)
        return .append(key: key, time: input.time, event: input.event)
    }

    private static func checkKey(_ key: String) throws(InputError) {
        let count = key.utf8.count
        guard count >= 1 && count <= RequestKey.maxBytes else {
            throw InputError(code: "bad_key", field: "key",
                             message: "\(count) bytes; 1 to \(RequestKey.maxBytes) are allowed")
        }
    }

    /// `at`: absent or null for the current state, else a seq (an integer >= 0; 0 is the empty
    /// log's state).
    private static func parseAt(_ json: JSONValue) throws(InputError) -> Seq? {
        guard let value = json["at"], value != .null else { return nil }
        guard case .number(let text) = value, let seq = Seq(text) else {
            throw InputError(code: "bad_at", field: "at", message: "at must be a seq, an integer >= 0")
        }
        return seq
    }

    private static func parseSubscribe(_ json: JSONValue) throws(InputError) -> Request {
        var from: Seq?
        if let value = json["from"], value != .null {
            guard case .number(let text) = value, let seq = Seq(text), seq >= 1 else {
                throw InputError(code: "bad_from", field: "from", message: "from must be a seq, an integer >= 1")
            }
            from = seq
        }
        var patterns: [String] = []
        if let value = json["kinds"], value != .null {
            guard case .array(let elements) = value else {
                throw InputError(code: "bad_kind", field: "kinds", message: "kinds must be an array of kind patterns")
            }
            for element in elements {
                guard case .string(let pattern) = element else {
                    throw InputError(code: "bad_kind", field: "kinds", message: "each kind pattern must be a string")
                }
                patterns.append(pattern)
            }
        }
        return .subscribe(from: from, kinds: try KindFilter(patterns: patterns))
    }
}
