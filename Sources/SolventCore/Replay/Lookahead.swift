import CSolventHints

// Replay lookahead (cache hints). With 100k accounts the account records and position cells do
// not fit the cache, and a trade's two accounts waited on memory for about a quarter of replay
// time (`solvent bench replay` profile). A driver that decodes ahead (`LogReader.forEachDecoded`)
// hands batches to `feed(batch:after:)`, which prefetches the accounts and cells of the record
// `prefetchDistance` ahead, found through the indices replay already knows (ResolvedKeys.swift):
// no parsing or hashing for the hint.
//
// Hints only: they read the state and change nothing, so results cannot depend on them.

extension Rederivation {
    /// How many records ahead of the one fed `feed(batch:after:)` prefetches.
    public static let prefetchDistance = 16

    /// Feeds `batch` in order, as `feed(inPlace:)` per record (their events are left in place
    /// for the batch's owner to destroy), prefetching ahead. After each record fed without a
    /// mismatch calls `after` with this replay and the record's seq (false: stop).
    /// Returns the mismatch, or nil; `stopped` tells whether to feed no more.
    public mutating func feed(batch: UnsafeMutableBufferPointer<DecodedRecord>,
                              after: (inout Rederivation, Seq) throws -> Bool) rethrows -> (mismatch: ReplayMismatch?, stopped: Bool) {
        // Two stages: the entries of `accountOfKey` for a record 2 × distance ahead (the array
        // itself is larger than the nearest caches), then through them the accounts' records
        // and cells for the record `distance` ahead.
        let distance = Self.prefetchDistance
        for index in 0..<min(2 * distance, batch.count) { prefetchEntries(batch[index].keys) }
        for index in batch.indices {
            if index + 2 * distance < batch.count { prefetchEntries(batch[index + 2 * distance].keys) }
            if index + distance < batch.count { prefetch(batch[index + distance].keys) }
            if let mismatch = feed(inPlace: &batch[index]) { return (mismatch, true) }
            guard try after(&self, lastSeq) else { return (nil, true) }  // the record just fed
        }
        return (nil, false)
    }

    // The two hints below are `mutating` though they change nothing: called from the mutating
    // `feed(batch:after:)`, a non-mutating method was handed a copy of the whole replay (ledger,
    // trigger index and all: a retain and release per field, per record), while a mutating one
    // reads through `self` in place.

    /// Cache hint for a record to be fed soon: its known accounts' records and their cells in
    /// its market. Through the stored properties in place: a `Ledger` method called here was
    /// handed a copy of the ledger, trigger index and all.
    @inline(__always)
    mutating func prefetch(_ keys: DecodedKeys) {
        let ids = resolved(keys)
        let accounts = (Int(ids.first), Int(ids.second))
        // The line of the record's cash, not of its start: a 32-byte record lies across two
        // lines whenever the array's elements start 16 bytes into a line (as in a large heap
        // block), and then its first line holds only the id, which a resolved trade never
        // reads. The fields a trade and `rearm` read (cash, flags, counts) follow the id.
        let hot = Self.hotFieldsOffset
        ledger.accounts.states.withUnsafeBufferPointer { states in
            let base = UnsafeRawPointer(states.baseAddress!)
            if accounts.0 >= 0, accounts.0 < states.count { solvent_prefetch(base + accounts.0 * MemoryLayout<AccountState>.stride + hot) }
            if accounts.1 >= 0, accounts.1 < states.count { solvent_prefetch(base + accounts.1 * MemoryLayout<AccountState>.stride + hot) }
        }
        let m = Int(ids.market)
        guard m >= 0, m < ledger.markets.count else { return }
        // Mutable access though nothing is written: `markets[m].cells` read through the array's
        // getter copied the whole market, and read through the markets' buffer it copied the
        // cells array (a retain and release per record); in place, under exclusive access, it
        // costs two uniqueness checks.
        ledger.markets[m].cells.withUnsafeMutableBufferPointer { cells in
            if accounts.0 >= 0, accounts.0 < cells.count { solvent_prefetch(cells.baseAddress! + accounts.0) }
            if accounts.1 >= 0, accounts.1 < cells.count { solvent_prefetch(cells.baseAddress! + accounts.1) }
        }
    }

    /// Offset of `AccountState.cash` in the record: the trade's fields start there.
    static let hotFieldsOffset = MemoryLayout<AccountState>.offset(of: \AccountState.cash) ?? 0

    /// Cache hint for a record further ahead: the entries of its accounts in `accountOfKey`.
    @inline(__always)
    mutating func prefetchEntries(_ keys: DecodedKeys) {
        accountOfKey.withUnsafeBufferPointer { map in
            guard let base = map.baseAddress else { return }
            if keys.first >= 0, Int(keys.first) < map.count { solvent_prefetch(base + Int(keys.first)) }
            if keys.second >= 0, Int(keys.second) < map.count { solvent_prefetch(base + Int(keys.second)) }
        }
    }
}
