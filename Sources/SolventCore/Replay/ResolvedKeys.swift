// From a decoded record's byte-table indices (`DecodedKeys`) to the ledger's own indices of the
// same ids (`ResolvedIDs`), through two arrays that replay fills as it meets each id in the
// ledger: a known id then costs an array read instead of hashing its `String`.
//
// Sound because the ledger only ever appends accounts and markets (an index, once given, names
// the same id for good) and an entry is filled only from the ledger's own lookup of the event's
// id. An id not yet in the ledger (a trade's new account) stays −1 and the ledger looks it up
// itself, as it always did.

extension Rederivation {
    /// The ledger indices of `keys` as far as known.
    @inline(__always)
    func resolved(_ keys: DecodedKeys) -> ResolvedIDs {
        ResolvedIDs(market: Self.entry(marketOfKey, keys.market),
                    first: Self.entry(accountOfKey, keys.first),
                    second: Self.entry(accountOfKey, keys.second))
    }

    @inline(__always)
    static func entry(_ map: [Int32], _ key: Int32) -> Int32 {
        key >= 0 && Int(key) < map.count ? map[Int(key)] : -1
    }

    /// After `event` was applied: notes the ledger index of each of its keyed ids not known yet.
    @inline(__always)
    mutating func learn(_ keys: DecodedKeys, of event: Event) {
        let resolved = resolved(keys)
        guard (keys.market >= 0 && resolved.market < 0) || (keys.first >= 0 && resolved.first < 0)
            || (keys.second >= 0 && resolved.second < 0) else { return }
        learnSlowly(keys, of: event)
    }

    private mutating func learnSlowly(_ keys: DecodedKeys, of event: Event) {
        switch event {
        case .trade(let p):
            note(&marketOfKey, keys.market, ledger.marketIndexByID[p.market])
            note(&accountOfKey, keys.first, ledger.accounts.index(of: p.buyer))
            note(&accountOfKey, keys.second, ledger.accounts.index(of: p.seller))
        case .deposit(let p): note(&accountOfKey, keys.first, ledger.accounts.index(of: p.account))
        case .withdrawal(let p): note(&accountOfKey, keys.first, ledger.accounts.index(of: p.account))
        case .oraclePrice(let p): note(&marketOfKey, keys.market, ledger.marketIndexByID[p.market])
        case .funding(let p): note(&marketOfKey, keys.market, ledger.marketIndexByID[p.market])
        case .marketListed(let p): note(&marketOfKey, keys.market, ledger.marketIndexByID[p.market])
        default: break
        }
    }

    private func note(_ map: inout [Int32], _ key: Int32, _ index: Int?) {
        guard key >= 0, let index, index <= Int(Int32.max) else { return }
        let slot = Int(key)
        if slot >= map.count { map.append(contentsOf: repeatElement(-1, count: slot + 1 - map.count)) }
        map[slot] = Int32(index)
    }
}
