import SolventCore

/// An event-kind pattern of a role: `oracle.price` (that kind), `auction.*` (every kind whose
/// name starts with `auction.`), `*` (every kind).
public struct KindPattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    /// Accepts `*`, a kind name, or a dotted prefix followed by `.*`; nil otherwise.
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        if text != "*" {
            let stem = text.hasSuffix(".*") ? String(text.dropLast(2)) : text
            let allowed = stem.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E || ($0 >= 0x41 && $0 <= 0x5A) }
            guard !stem.isEmpty, allowed, !stem.contains("*") else { return nil }
        }
        self.text = text
    }

    /// The same rule as `solvent log --kind` (`EventKind.matches(pattern:)`).
    public func matches(_ kind: EventKind) -> Bool { kind.matches(pattern: text) }

    public var description: String { text }
}

/// The input kinds one connection may append, resolved once when it connects.
public struct AppendPermission: Sendable {
    /// Indexed by `EventKind.rawValue`.
    private let allowed: [Bool]

    public static let everything = AppendPermission(patterns: [KindPattern("*")!])

    public init(patterns: [KindPattern]) {
        var allowed = [Bool](repeating: false, count: 256)
        for kind in EventKind.allCases where patterns.contains(where: { $0.matches(kind) }) {
            allowed[Int(kind.rawValue)] = true
        }
        self.allowed = allowed
    }

    public func allows(_ kind: EventKind) -> Bool { allowed[Int(kind.rawValue)] }
}
