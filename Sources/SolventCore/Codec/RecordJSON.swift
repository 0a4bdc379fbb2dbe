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
