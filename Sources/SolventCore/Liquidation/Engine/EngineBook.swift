// What the liquidation engine remembers between events (SPEC §5): margin calls with their
// deadlines, running liquidations and their auctions. Each list is kept in a defined order
// (account index, or id = creation seq), so whatever walks it reaches the log deterministically.

/// An account in the margin-call zone and when its grace ends (nil: no deadline, callGrace = 0).
struct MarginCallEntry: Equatable, Sendable {
    var account: Int
    var deadline: TimeMs?
}

/// A running liquidation: one account, one position being reduced through one auction at a time.
struct RunningLiquidation: Equatable, Sendable {
    /// Seq of its `liquidation.started` record.
    var id: Seq
    var account: Int
    var market: Int
    /// Notional of the quantity to close when it started: the penalty's depth (SPEC §5.6).
    var notional: Money
    /// Quantity closed so far (magnitude) and penalties paid so far.
    var closedQty = Quantity.zero
    var penaltyPaid = Money.zero
    var adlQty = Quantity.zero
    var insurancePaid = Money.zero
}

/// A Dutch auction selling (or buying back) part of a liquidated position (SPEC §5.4).
struct RunningAuction: Equatable, Sendable {
    /// Seq of its `auction.started` record.
    var id: Seq
    var liquidation: Seq
    var account: Int
    var market: Int
    /// Signed part of the account's position still to close (same sign as the position).
    var remaining: Quantity
    var startPrice: Price
    var startTimeMs: TimeMs
    var direction: AuctionDirection {
        AuctionDirection(closing: remaining)
    }
}

struct EngineBook: Equatable, Sendable {
    /// Sorted by account index.
    var calls: [MarginCallEntry] = []
    /// Sorted by id (creation order).
    var liquidations: [RunningLiquidation] = []
    /// Sorted by id (creation order).
    var auctions: [RunningAuction] = []
    /// Liquidations waiting for room under an auction cap, in the order they were deferred
    /// (AuctionCaps.swift). At most one per account.
    var deferred: [DeferredLiquidation] = []

    func callIndex(account: Int) -> Int? {
        calls.firstIndex { $0.account == account }
    }

    mutating func addCall(_ entry: MarginCallEntry) {
        let position = calls.firstIndex { $0.account > entry.account } ?? calls.count
        calls.insert(entry, at: position)
    }

    func liquidationIndex(id: Seq) -> Int? {
        liquidations.firstIndex { $0.id == id }
    }

    func auctionIndex(id: Seq) -> Int? {
        auctions.firstIndex { $0.id == id }
    }

    /// The running auction of account `index` (at most one), nil when it has none.
    func auctionIndex(account index: Int) -> Int? {
        auctions.firstIndex { $0.account == index }
    }

    var isEmpty: Bool { calls.isEmpty && liquidations.isEmpty && auctions.isEmpty && deferred.isEmpty }
}

/// Where the engine appends what it decides while applying one input: derived event i of the
/// input at `inputSeq` is stored at `inputSeq + 1 + i`, so ids (liquidation, auction) are known
/// before the records are written.
struct DerivedSink {
    let inputSeq: Seq
    let time: TimeMs
    var events: [Event] = []

    /// The seq the next appended event will have.
    var nextSeq: Seq { inputSeq + 1 + Seq(events.count) }

    mutating func append(_ event: Event) { events.append(event) }
}
