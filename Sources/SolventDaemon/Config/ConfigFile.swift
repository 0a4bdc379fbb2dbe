import Logging
import SolventCore
import SolventServer
#if canImport(Glibc)
import Glibc
#endif

/// The configuration file: one JSON object (SolventCore's strict parser: no comments, no
/// duplicate keys), every key optional, unknown keys refused. docs/OPERATIONS.md lists them.
extension DaemonConfig {
    /// Reads the file at `path` over `self`; errors name the file, line and key.
    public func overlaid(withFile path: String) throws(ConfigError) -> DaemonConfig {
        guard let bytes = readFile(path) else {
            throw ConfigError(file: path, reason: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        return try overlaid(withJSON: bytes, file: path)
    }

    /// Parses `bytes` (the text of `file`) over `self`.
    public func overlaid(withJSON bytes: [UInt8], file: String) throws(ConfigError) -> DaemonConfig {
        let reader = ConfigReader(bytes: bytes, file: file)
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw ConfigError(file: file, line: reader.line(atOffset: error.offset), reason: error.message)
        }
        guard case .object(let members) = json else {
            throw ConfigError(file: file, line: 1, reason: "the configuration must be a JSON object")
        }
        var config = self
        for member in members {
            try reader.apply(member, to: &config)
        }
        return config
    }
}

/// Turns members into fields, with the line of each key for errors.
private struct ConfigReader {
    let bytes: [UInt8]
    let file: String

    func apply(_ member: JSONMember, to config: inout DaemonConfig) throws(ConfigError) {
        let key = member.key
        let value = member.value
        switch key {
        case "data": config.data = try string(value, key)
        case "socket": config.socket = value == .null ? nil : try string(value, key)
        case "metrics":
            if value == .null { config.metrics = nil; return }
            let text = try string(value, key)
            guard let address = MetricsAddress(text) else { throw fail(key, "\"\(text)\" is not HOST:PORT") }
            config.metrics = address
        case "clockIntervalMs": config.clockIntervalMs = try unsigned(value, key)
        case "snapshotEvery":
            if value == .null { config.snapshotEvery = nil; return }
            let every = try unsigned(value, key)
            guard every > 0 else { throw fail(key, "must be at least 1") }
            config.snapshotEvery = every
        case "logLevel":
            let text = try string(value, key)
            guard let level = Logger.Level(rawValue: text) else {
                throw fail(key, "\"\(text)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            config.logLevel = level
        case "roles": config.roles = try roles(value)
        case "maxConnections": config.maxConnections = try positive(value, key)
        case "subscriberBacklogRecords": config.subscriberBacklogRecords = try positive(value, key)
        case "stalledWriteSeconds": config.stalledWriteSeconds = Int(try unsigned(value, key, max: 86_400))
        case "commitDelayUs": config.commitDelayUs = try unsigned(value, key, max: ServerOptions.maxCommitDelayUs)
        default:
            throw fail(key, "unknown key; the keys are \(DaemonConfig.keys.joined(separator: ", "))")
        }
    }

    private func roles(_ value: JSONValue) throws(ConfigError) -> [Roles.Role] {
        guard case .array(let items) = value else { throw fail("roles", "must be an array of roles, not \(value.typeName)") }
        var roles: [Roles.Role] = []
        for (index, item) in items.enumerated() {
            roles.append(try role(item, path: "roles[\(index)]"))
        }
        return roles
    }

    private func role(_ value: JSONValue, path: String) throws(ConfigError) -> Roles.Role {
        guard case .object(let members) = value else { throw fail(path, "a role must be an object") }
        var role = Roles.Role(name: path, kinds: [])
        for member in members {
            let key = "\(path).\(member.key)"
            switch member.key {
            case "name": role.name = try string(member.value, key)
            case "uids": role.uids += try strings(member.value, key, allowNumbers: true).map { text throws(ConfigError) in try uid(text, key) }
            case "gids": role.gids += try strings(member.value, key, allowNumbers: true).map { text throws(ConfigError) in try gid(text, key) }
            case "users": role.uids += try strings(member.value, key).map { name throws(ConfigError) in try uid(name, key) }
            case "groups": role.gids += try strings(member.value, key).map { name throws(ConfigError) in try gid(name, key) }
            case "kinds":
                role.kinds = try strings(member.value, key).map { text throws(ConfigError) in
                    guard let pattern = KindPattern(text) else {
                        throw fail(key, "\"\(text)\" is not a kind pattern (a kind, a prefix followed by .*, or *)")
                    }
                    return pattern
                }
            default: throw fail(key, "unknown key; a role has name, uids, gids, users, groups, kinds")
            }
        }
        guard !role.kinds.isEmpty else { throw fail(path, "a role needs kinds") }
        guard !role.uids.isEmpty || !role.gids.isEmpty else { throw fail(path, "a role needs uids, gids, users or groups") }
        return role
    }

    /// A uid: a number, or a user name looked up in the password database now.
    private func uid(_ text: String, _ key: String) throws(ConfigError) -> UInt32 {
        if let number = UInt32(text) { return number }
        guard let entry = getpwnam(text) else { throw fail(key, "no user named \"\(text)\"") }
        return entry.pointee.pw_uid
    }

    private func gid(_ text: String, _ key: String) throws(ConfigError) -> UInt32 {
        if let number = UInt32(text) { return number }
        guard let entry = getgrnam(text) else { throw fail(key, "no group named \"\(text)\"") }
        return entry.pointee.gr_gid
    }

    private func string(_ value: JSONValue, _ key: String) throws(ConfigError) -> String {
        guard case .string(let text) = value, !text.isEmpty else { throw fail(key, "must be a non-empty string, not \(value.typeName)") }
        return text
    }

    private func strings(_ value: JSONValue, _ key: String, allowNumbers: Bool = false) throws(ConfigError) -> [String] {
        guard case .array(let items) = value else { throw fail(key, "must be an array, not \(value.typeName)") }
        var texts: [String] = []
        for item in items {
            switch item {
            case .string(let text) where !text.isEmpty: texts.append(text)
            case .number(let text) where allowNumbers: texts.append(text)
            default: throw fail(key, "\(item.typeName) is not allowed in this list")
            }
        }
        return texts
    }

    private func unsigned(_ value: JSONValue, _ key: String) throws(ConfigError) -> UInt64 {
        guard case .number(let text) = value, let number = UInt64(text) else {
            throw fail(key, "must be a whole number ≥ 0, not \(value.typeName)")
        }
        return number
    }

    private func unsigned(_ value: JSONValue, _ key: String, max: UInt64) throws(ConfigError) -> UInt64 {
        let number = try unsigned(value, key)
        guard number <= max else { throw fail(key, "must be at most \(max)") }
        return number
    }

    /// A count from 1 to 2^31 - 1 (a limit that may not be zero).
    private func positive(_ value: JSONValue, _ key: String) throws(ConfigError) -> Int {
        let number = try unsigned(value, key, max: UInt64(Int32.max))
        guard number > 0 else { throw fail(key, "must be at least 1") }
        return Int(number)
    }

    /// An error at `key`, whose line is where its last path component first appears as a key.
    private func fail(_ key: String, _ reason: String) -> ConfigError {
        let last = key.split(separator: ".").last.map(String.init) ?? key
        let name = last.split(separator: "[").first.map(String.init) ?? last
        return ConfigError(file: file, line: line(ofKey: name), key: key, reason: reason)
    }

    func line(ofKey name: String) -> Int? {
        let needle = Array("\"\(name)\"".utf8)
        guard needle.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            return line(atOffset: start)
        }
        return nil
    }

    func line(atOffset offset: Int) -> Int {
        1 + bytes.prefix(max(0, min(offset, bytes.count))).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

/// The whole file, or nil when it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes += chunk.prefix(count)
        if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
    }
}
