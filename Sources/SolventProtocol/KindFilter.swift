import SolventCore

/// The kinds a subscription selects, from patterns as `solvent log --kind` takes them (`deposit`,
/// `liquidation.*`, `*`), as a bit set over kind bytes so the writer's thread filters a record
/// with one AND.
public struct KindFilter: Sendable, Equatable {
    private var mask: UInt64 = 0

    /// Every kind.
    public static let all = KindFilter(mask: .max)

    private init(mask: UInt64) { self.mask = mask }

    /// Kinds matching any of `patterns`; an empty list selects every kind. A pattern that matches
    /// no kind is refused (`bad_kind`), as a typo would otherwise silently select nothing.
    public init(patterns: [String]) throws(InputError) {
        guard !patterns.isEmpty else {
            self = .all
            return
        }
        for pattern in patterns {
            let matching = EventKind.allCases.filter { $0.matches(pattern: pattern) }
            guard !matching.isEmpty else {
                throw InputError(code: "bad_kind", field: "kinds", message: "pattern \"\(pattern.prefix(64))\" matches no event kind")
            }
            for kind in matching { mask |= Self.bit(kind.rawValue) }
        }
    }

    public func selects(_ kind: EventKind) -> Bool { selects(kindByte: kind.rawValue) }

    /// Whether the kind byte of an encoded record (docs/FORMAT.md offset 17) is selected.
    public func selects(kindByte: UInt8) -> Bool { kindByte < 64 && mask & (1 << UInt64(kindByte)) != 0 }

    private static func bit(_ kindByte: UInt8) -> UInt64 {
        // Kind bytes are 1…49 (docs/FORMAT.md); the set must grow before they pass 63.
        precondition(kindByte < 64, "kind byte \(kindByte) does not fit the filter's bit set")
        return 1 << UInt64(kindByte)
    }
}
