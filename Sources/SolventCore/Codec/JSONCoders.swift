/// Writes a payload's fields as JSON object members, in declaration order.
struct JSONFieldWriter: FieldCoder {
    var members: [JSONMember] = []

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        members.append(JSONMember(key, value.json))
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        members.append(JSONMember(key, value?.json ?? .null))
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        var elements: [JSONValue] = []
        for index in value.indices {
            var nested = JSONFieldWriter()
            try value[index].fields(&nested)
            elements.append(.object(nested.members))
        }
        members.append(JSONMember(key, .array(elements)))
    }

    /// Absent extension fields are left out, so the JSON of older payloads does not change.
    mutating func extensions(present: Bool) throws -> Bool { present }
}

/// Reads a payload's fields from a JSON object, naming the field in every error and refusing
/// members that no field claims (a typo like `"ammount"` must not be silently ignored).
struct JSONFieldReader: FieldCoder {
    let members: [JSONMember]
    /// Member names handled outside the payload (kind, time, seq, cause).
    let envelopeKeys: Set<String>
    var prefix: String
    private(set) var claimed: Set<String> = []

    init(members: [JSONMember], envelopeKeys: Set<String>, prefix: String = "") {
        self.members = members
        self.envelopeKeys = envelopeKeys
        self.prefix = prefix
    }

    private mutating func member(_ key: String) -> JSONValue? {
        claimed.insert(key)
        return members.first { $0.key == key }?.value
    }

    private func convert<V: FieldValue>(_ key: String, _ json: JSONValue) throws(InputError) -> V {
        do { return try V.fromJSON(json) } catch {
            throw InputError(code: error.code, field: prefix + key, message: error.message)
        }
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        guard let json = member(key), json != .null else { throw InputError.missing(prefix + key) }
        value = try convert(key, json)
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        guard let json = member(key), json != .null else { value = nil; return }
        value = try convert(key, json)
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        guard let json = member(key) else { throw InputError.missing(prefix + key) }
        guard case .array(let elements) = json else {
            throw InputError(code: "bad_field", field: prefix + key, message: "must be an array")
        }
        guard elements.count <= maxListCount else {
            throw InputError(code: "bad_field", field: prefix + key, message: "more than \(maxListCount) elements")
        }
        value = try elements.enumerated().map { position, element in
            let elementPrefix = "\(prefix)\(key)[\(position)]."
            guard case .object(let nested) = element else {
                throw InputError(code: "bad_field", field: "\(prefix)\(key)[\(position)]", message: "must be an object")
            }
            var reader = JSONFieldReader(members: nested, envelopeKeys: [], prefix: elementPrefix)
            var payload = P()
            try payload.fields(&reader)
            try reader.refuseUnclaimed()
            return payload
        }
    }

    mutating func extensions(present: Bool) throws -> Bool { true }

    func refuseUnclaimed() throws(InputError) {
        for member in members where !claimed.contains(member.key) && !envelopeKeys.contains(member.key) {
            throw InputError(code: "unknown_field", field: prefix + member.key, message: "not a field of this kind")
        }
    }
}
