/// Indices of an input's market and accounts that the caller already knows (replay resolves
/// them from the record's bytes: `RecordDecoder`, `Rederivation`), so `apply` does not find
/// them again by hashing the ids. −1 where not known: `apply` then looks the id up itself, so a
/// caller may leave any field unresolved. A resolved index must be that of the event's own id.
///
/// trade: market, buyer (`first`), seller (`second`); deposit: account (`first`); oracle.price
/// and funding: market. Other kinds ignore it.
struct ResolvedIDs: Sendable {
    var market: Int32 = -1
    var first: Int32 = -1
    var second: Int32 = -1

    static let none = ResolvedIDs()

    /// These indices, each unknown one filled from `found` (both name the same event's ids).
    func filled(from found: ResolvedIDs) -> ResolvedIDs {
        ResolvedIDs(market: market >= 0 ? market : found.market,
                    first: first >= 0 ? first : found.first,
                    second: second >= 0 ? second : found.second)
    }

    @inline(__always)
    static func known(_ index: Int32) -> Int? { index >= 0 ? Int(index) : nil }
}
