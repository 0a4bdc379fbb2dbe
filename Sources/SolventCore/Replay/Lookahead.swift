import CSolventHints

// Replay lookahead (cache hints). With 100k accounts the hash slots and account records do not
// fit the cache, and a trade's two account lookups waited on memory for about a quarter of
// replay time (`solvent bench replay` profile). A driver that can see records ahead of the one
// it feeds (`LogReader.forEachBorrowed(lookahead:)`) hands each to `prefetch(ahead:)`
// `Rederivation.prefetchDistance` records early: its accounts' hash slots are prefetched then,
// and half way their records and position cells, found through the slots by then loaded.
//
// Hints only: they read the state and the raw bytes and change nothing, so results cannot
// depend on them. Bytes that do not parse as a trade are skipped, never trapped on (the record
// is judged by `feed` in its turn).

/// The hashes of a trade's two accounts and its market's index, parsed from raw record bytes.
struct TradeHint: Sendable {
    var buyer: UInt64
    var seller: UInt64
    var market: Int?
}

/// The hints of the last `Rederivation.prefetchDistance / 2` records, oldest first out.
struct HintRing: Sendable {
    private var hints: [TradeHint?] = Array(repeating: nil, count: Rederivation.prefetchDistance / 2)
    private var next = 0

    /// Stores `hint` and returns the one stored half the distance ago.
    mutating func push(_ hint: TradeHint?) -> TradeHint? {
        let old = hints[next]
        hints[next] = hint
        next = next + 1 == hints.count ? 0 : next + 1
        return old
    }
}

extension Rederivation {
    /// How many records ahead of `feed` the driver hands records to `prefetch(ahead:)`.
    public static let prefetchDistance = 16

    /// Cache hint for the record `prefetchDistance` ahead of the next one fed (its canonical
    /// bytes): see the comment at the top of this file. Call once per record fed, in order.
    public mutating func prefetch(ahead bytes: UnsafeRawBufferPointer) {
        let hint = ledger.tradeHint(recordBytes: bytes)
        if let hint { ledger.prefetchSlots(hint) }
        if let earlier = hints.push(hint) { ledger.prefetchAccounts(earlier) }
    }
}

extension Ledger {
    /// A trade's hint from its record bytes (docs/FORMAT.md: header, then the payload's market,
    /// buyer and seller as u8 length + bytes), or nil for any other kind or malformed bytes.
    func tradeHint(recordBytes bytes: UnsafeRawBufferPointer) -> TradeHint? {
        let kindOffset = 1 + 8 + 8
        guard bytes.count > RecordCodec.headerSize, bytes[kindOffset] == EventKind.trade.rawValue else { return nil }
        let market = RecordCodec.headerSize
        let buyer = market + 1 + Int(bytes[market])
        guard buyer < bytes.count else { return nil }
        let seller = buyer + 1 + Int(bytes[buyer])
        guard seller < bytes.count, seller + 1 + Int(bytes[seller]) <= bytes.count else { return nil }
        return TradeHint(buyer: InternSlots.hash(bytes: Self.shortBytes(bytes, at: buyer)),
                         seller: InternSlots.hash(bytes: Self.shortBytes(bytes, at: seller)),
                         market: marketIndex(bytes: Self.shortBytes(bytes, at: market)))
    }

    /// The bytes of the u8-length-prefixed field at `offset` (bounds checked by the caller).
    @inline(__always)
    private static func shortBytes(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(offset + 1)..<(offset + 1 + Int(bytes[offset]))])
    }

    /// The index of the market whose id is `bytes`, among the first few listed (enough for a
    /// hint; the lookup proper is `marketIndexByID`). A single market is taken as is.
    private func marketIndex(bytes: UnsafeRawBufferPointer) -> Int? {
        if markets.count == 1 { return 0 }
        for m in 0..<min(markets.count, InternTable.linearSearchLimit) where markets[m].id.text.utf8.elementsEqual(bytes) {
            return m
        }
        return nil
    }

    /// First stage: the accounts' hash slots.
    func prefetchSlots(_ hint: TradeHint) {
        accounts.prefetchSlot(hint.buyer)
        accounts.prefetchSlot(hint.seller)
    }

    /// Second stage: the accounts' records and their cells in the trade's market.
    func prefetchAccounts(_ hint: TradeHint) {
        let buyer = accounts.prefetchRecord(hint.buyer)
        let seller = accounts.prefetchRecord(hint.seller)
        guard let m = hint.market, m < markets.count else { return }
        // Through the buffer: `markets[m].cells` read through the array's getter copied the
        // whole market (a memmove and a retain per field), more than the prefetch saved.
        markets.withUnsafeBufferPointer { markets in
            markets[m].cells.withUnsafeBufferPointer { cells in
                guard let base = cells.baseAddress else { return }
                if let buyer, buyer < cells.count { solvent_prefetch(base + buyer) }
                if let seller, seller < cells.count { solvent_prefetch(base + seller) }
            }
        }
    }
}
