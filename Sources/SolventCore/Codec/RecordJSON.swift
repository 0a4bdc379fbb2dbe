/// JSON ↔ event mapping for the shapes of SPEC §9.
public enum RecordJSON {
    /// `{"seq":..,"time":..,"kind":..,"cause":..|null, …payload}` as printed by `log --json`.
    public static func json(_ record: Record) -> JSONValue {
        var coder = JSONFieldWriter()
        coder.members = [
            JSONMember("seq", .number(String(record.seq))),
            JSONMember("time", .number(String(record.time))),
            JSONMember("kind", .string(record.kind.name)),
            JSONMember("cause", record.cause.map { .number(String($0)) } ?? .null),
        ]
        var event = record.event
        try! event.fields(&coder)  // JSON writing only reads fields.
        return .object(coder.members)
    }

    /// A payload's fields alone, as a JSON object (e.g. `solvent params --json`).
    public static func json<P: Payload>(payload: P) -> JSONValue {
        var coder = JSONFieldWriter()
        var copy = payload
        try! copy.fields(&coder)
        return .object(coder.members)
    }

    /// An input as sent by a client: `{"kind":…, "time":…?, …payload}`.
    /// `time` is required when `requireTime` (offline files); the daemon stamps it otherwise.
    public static func input(_ json: JSONValue, requireTime: Bool) throws(InputError) -> (time: TimeMs?, event: Event) {
        guard case .object(let members) = json else {
            throw InputError(code: "bad_json", message: "an event must be a JSON object, not \(json.typeName)")
        }
        let kind = try kindOf(json)
        let time = try timeOf(json, required: requireTime)
        var event = Event.blank(kind)
        var coder = JSONFieldReader(members: members, envelopeKeys: ["kind", "time"])
        do { try event.fields(&coder) } catch let error as InputError { throw error } catch {
            throw InputError(code: "bad_field", message: "\(error)")
        }
        try coder.refuseUnclaimed()
        try event.validate()
        return (time, event)
    }

    /// Parses one NDJSON line into an input event.
    public static func input(line: some Collection<UInt8>, requireTime: Bool) throws(InputError) -> (time: TimeMs?, event: Event) {
        let json: JSONValue
        do { json = try JSONParser.parse(Array(line)) } catch {
            throw InputError(code: "bad_json", message: error.description)
        }
        return try input(json, requireTime: requireTime)
    }

    /// A payload from a JSON object holding only its fields (e.g. a `--params` file).
    public static func payload<P: Payload>(_ json: JSONValue, as type: P.Type) throws(InputError) -> P {
        guard case .object(let members) = json else {
            throw InputError(code: "bad_json", message: "expected a JSON object, not \(json.typeName)")
        }
        var payload = P()
        var coder = JSONFieldReader(members: members, envelopeKeys: [])
        do { try payload.fields(&coder) } catch let error as InputError { throw error } catch {
            throw InputError(code: "bad_field", message: "\(error)")
        }
        try coder.refuseUnclaimed()
        return payload
    }

    /// A record as `log --json` prints it (and a subscription sends it), for clients that read
    /// the stream back: the inverse of `json(_:)`. Derived kinds are accepted, unlike `input`.
    public static func record(_ json: JSONValue) throws(InputError) -> Record {
        guard case .object(let members) = json else {
            throw InputError(code: "bad_json", message: "a record must be a JSON object, not \(json.typeName)")
        }
        guard case .string(let name)? = json["kind"], let kind = EventKind(name: name) else {
            throw InputError(code: "unknown_kind", field: "kind", message: "missing or unknown kind")
        }
        guard case .number(let seqText)? = json["seq"], let seq = Seq(seqText) else { throw InputError.missing("seq") }
        guard let time = try timeOf(json, required: true) else { throw InputError.missing("time") }
        var cause: Seq?
        if case .number(let text)? = json["cause"] { cause = Seq(text) }
        var event = Event.blank(kind)
        var coder = JSONFieldReader(members: members, envelopeKeys: ["seq", "time", "kind", "cause"])
        do { try event.fields(&coder) } catch let error as InputError { throw error } catch {
            throw InputError(code: "bad_field", message: "\(error)")
        }
        // Members no field claims are left alone: a reader of a newer daemon's stream keeps going.
        return Record(seq: seq, time: time, cause: cause, event: event)
    }

    private static func kindOf(_ json: JSONValue) throws(InputError) -> EventKind {
        guard let kindValue = json["kind"] else { throw InputError.missing("kind") }
        guard case .string(let name) = kindValue else {
            throw InputError(code: "unknown_kind", field: "kind", message: "must be a string")
        }
        guard let kind = EventKind(name: name) else {
            throw InputError(code: "unknown_kind", field: "kind", message: "unknown kind \"\(name.prefix(64))\"")
        }
        guard kind.isInput else {
            throw InputError(code: "not_input", field: "kind", message: "\(name) is derived by the engine and cannot be sent")
        }
        return kind
    }

    private static func timeOf(_ json: JSONValue, required: Bool) throws(InputError) -> TimeMs? {
        guard let value = json["time"], value != .null else {
            if required { throw InputError.missing("time") }
            return nil
        }
        guard case .number(let text) = value, let time = TimeMs(text), time >= 0 else {
            throw InputError(code: "bad_time", field: "time", message: "must be a non-negative integer of Unix milliseconds")
        }
        return time
    }
}
