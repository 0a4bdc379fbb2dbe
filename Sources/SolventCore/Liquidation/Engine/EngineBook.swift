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
    /// Sorted by account index. An account is here exactly when its `marginCall` flag is set,
    /// so callers consult the flag before searching.
    var calls: [MarginCallEntry] = []
    /// Sorted by id (creation order).
    var liquidations: [RunningLiquidation] = []
    /// Sorted by id (creation order). Changed only through `addAuction`, `updateAuction` and
    /// `removeAuction`, which keep the cap totals below.
    private(set) var auctions: [RunningAuction] = []
    /// Liquidations waiting for room under an auction cap, in the order they were deferred
    /// (AuctionCaps.swift). At most one per account. Changed through `addDeferred` and
    /// `replaceDeferred`, which keep `waiting`.
    private(set) var deferred: [DeferredLiquidation] = []

    /// Σ `capNotional` over running auctions, in total and per market index: derived, kept
    /// incrementally so a cap check is O(1) (AuctionCaps.swift); rebuilt on decode and
    /// cross-checked in `invariantViolations`.
    private(set) var capTotal = Money.zero
    private(set) var capByMarket: [Int: Money] = [:]
    /// What the deferral queue waits for (derived from `deferred`).
    private(set) var waiting = DeferralCounts()

    static func == (lhs: EngineBook, rhs: EngineBook) -> Bool {
        lhs.calls == rhs.calls && lhs.liquidations == rhs.liquidations && lhs.auctions == rhs.auctions && lhs.deferred == rhs.deferred
    }

    /// Binary search: `calls` is sorted by account.
    func callIndex(account: Int) -> Int? {
        let at = callInsertion(account: account)
        return at < calls.count && calls[at].account == account ? at : nil
    }

    /// The first position whose account is ≥ `account`.
    private func callInsertion(account: Int) -> Int {
        var low = 0
        var high = calls.count
        while low < high {
            let mid = (low + high) / 2
            if calls[mid].account < account { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func addCall(_ entry: MarginCallEntry) {
        calls.insert(entry, at: callInsertion(account: entry.account))
    }

    /// Binary search: ids are increasing.
    func liquidationIndex(id: Seq) -> Int? {
        Self.search(liquidations, id: id, by: \.id)
    }

    func auctionIndex(id: Seq) -> Int? {
        Self.search(auctions, id: id, by: \.id)
    }

    private static func search<T>(_ list: [T], id: Seq, by key: (T) -> Seq) -> Int? {
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if key(list[mid]) < id { low = mid + 1 } else { high = mid }
        }
        return low < list.count && key(list[low]) == id ? low : nil
    }

    /// The running auction of account `index` (at most one), nil when it has none. Linear, so
    /// only asked about accounts flagged liquidating.
    func auctionIndex(account index: Int) -> Int? {
        auctions.firstIndex { $0.account == index }
    }

    mutating func addAuction(_ auction: RunningAuction) {
        precondition(auctions.last.map { $0.id < auction.id } ?? true, "auction ids must increase")
        auctions.append(auction)
        count(auction, sign: 1)
    }

    mutating func updateAuction(_ a: Int, _ change: (inout RunningAuction) -> Void) {
        count(auctions[a], sign: -1)
        change(&auctions[a])
        count(auctions[a], sign: 1)
    }

    mutating func removeAuction(at a: Int) -> RunningAuction {
        let auction = auctions.remove(at: a)
        count(auction, sign: -1)
        return auction
    }

    private mutating func count(_ auction: RunningAuction, sign: Int64) {
        let notional = Ledger.capNotional(auction)
        let delta = sign > 0 ? notional : .zero - notional
        capTotal += delta
        let market = (capByMarket[auction.market] ?? .zero) + delta
        capByMarket[auction.market] = market.isZero ? nil : market
    }

    mutating func addDeferred(_ entry: DeferredLiquidation) {
        deferred.append(entry)
        waiting.add(entry)
    }

    mutating func replaceDeferred(_ queue: [DeferredLiquidation]) {
        deferred = queue
        waiting = DeferralCounts(queue)
    }

    /// Derived totals that disagree with the lists they summarise (empty when sound).
    func invariantViolations() -> [String] {
        var rebuilt = EngineBook()
        for auction in auctions { rebuilt.addAuction(auction) }
        var problems: [String] = []
        if rebuilt.capTotal != capTotal || rebuilt.capByMarket != capByMarket { problems.append("auction cap totals are stale") }
        if DeferralCounts(deferred) != waiting { problems.append("deferral counts are stale") }
        return problems
    }

    var isEmpty: Bool { calls.isEmpty && liquidations.isEmpty && auctions.isEmpty && deferred.isEmpty }
}

/// How many queued liquidations wait for the global cap, and for each market's cap.
struct DeferralCounts: Equatable, Sendable {
    var global = 0
    var byMarket: [Int: Int] = [:]

    init() {}

    init(_ queue: [DeferredLiquidation]) {
        for entry in queue { add(entry) }
    }

    mutating func add(_ entry: DeferredLiquidation) {
        switch entry.wait {
        case .holeGlobal: global += 1
        case .holeMarket: byMarket[entry.market, default: 0] += 1
        case .halted: break
        }
    }
}

/// Where the engine appends what it decides while applying one input: derived event i of the
/// input at `inputSeq` is stored at `inputSeq + 1 + i`, so ids (liquidation, auction) are known
/// before the records are written.
struct DerivedSink {
    let inputSeq: Seq
    let time: TimeMs
    var events: [Event] = []

    /// The seq the next appended event will have.
    var nextSeq: Seq { inputSeq + 1 + UInt64(events.count) }

    mutating func append(_ event: Event) { events.append(event) }
}
