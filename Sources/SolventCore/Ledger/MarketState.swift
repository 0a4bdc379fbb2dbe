/// One account's holding in one market: signed quantity and the signed cash paid for it.
struct PositionCell: Equatable, Sendable {
    var qty: Quantity
    /// Signed cash paid for the open quantity (SPEC §3): entry price, PnL% and ADL ranking only.
    var openCost: Money

    static let empty = PositionCell(qty: .zero, openCost: .zero)
}

/// A listed market: its contract terms, its mark, the parameters in force, and every position.
///
/// Positions are a dense column indexed by account index (grown lazily), so a trade finds a
/// position in O(1) with no hashing and funding walks the column in account-index order. Markets
/// are few (at most `Ledger.maxMarkets`), so an account's positions are found by visiting each
/// market's column.
struct MarketState: Sendable {
    var listing: MarketListed
    /// Last oracle price; before the first one, the last trade price (see `markFromOracle`).
    var mark: Price?
    /// False while `mark` is only the provisional last trade price.
    var markFromOracle = false
    /// Record time of the last accepted oracle price, 0 before the first (staleness halts).
    var markTimeMs: TimeMs = 0
    /// The jump guard's hold (SPEC §5.9, OracleGuard.swift): the first price held since the last
    /// accepted one, and how many consecutive prices agreeing with it have come (itself included).
    /// Both are cleared whenever a price is accepted, so `heldPrice != nil` means the latest oracle
    /// price of this market was rejected.
    var heldPrice: Price?
    var heldCount: Int64 = 0
    /// Halted for liquidation because its last accepted price went stale (SPEC §5.9).
    var halted = false
    /// Parameters set for this market only, accumulated; absent fields follow the global set.
    var overrides = ParamsSet()
    /// Effective parameters: `overrides` applied to the global set.
    var params: RiskParams
    /// Seq of the `params.set` that last changed `params` (0: documented defaults).
    var paramsVersion: Seq
    var cells: [PositionCell] = []
    /// Number of accounts with a non-zero position here.
    var holders = 0
    /// Σ position over all accounts; every trade moves it by +q and −q, so it stays 0.
    var netQty = Quantity.zero
    /// Derived, not in snapshots (kept by `setCell`, so rebuilt as a snapshot's positions are
    /// loaded): Σ of the long positions, which is also Σ |short|. Every position's magnitude is
    /// at most this, so `longOpenInterest × mark` bounds every position value here (the range
    /// checks, RangeChecks.swift).
    var longOpenInterest = Quantity.zero
    /// Holders by the marks that must wake the engine for them (derived: rebuilt on load).
    var triggers = TriggerIndex()
    /// Holders for auto-deleveraging by where their score can reach (derived: rebuilt on load;
    /// Liquidation/ADLIndex.swift).
    var adl = ADLIndex()
    /// Derived, not in snapshots: `Ledger.farMMRBound` of this market's tiers for the global
    /// `callBuffer` it names (`Ledger.refreshFarBounds`). `farBand` uses it only when that
    /// still is the global one, so a stale value costs time, never a different band.
    var farBound: FarBound?

    init(listing: MarketListed, params: RiskParams, paramsVersion: Seq) {
        self.listing = listing
        self.params = params
        self.paramsVersion = paramsVersion
    }

    var id: MarketID { listing.market }
    var tiers: [Tier] { listing.tiers }

    @inline(__always)
    func cell(_ account: Int) -> PositionCell {
        account < cells.count ? cells[account] : .empty
    }

    /// Stores a cell, growing the column with empty cells as needed; keeps `holders` current.
    /// Returns +1 when a position opened, −1 when one closed, 0 otherwise.
    mutating func setCell(_ account: Int, _ cell: PositionCell) -> Int {
        precondition(!cell.qty.isZero || cell.openCost.isZero, "a closed position carries no open cost")
        if account >= cells.count {
            if cell.qty.isZero { return 0 }
            cells.append(contentsOf: repeatElement(.empty, count: account + 1 - cells.count))
        }
        let wasOpen = !cells[account].qty.isZero
        longOpenInterest += Quantity(raw: max(0, cell.qty.raw) - max(0, cells[account].qty.raw))
        cells[account] = cell
        let isOpen = !cell.qty.isZero
        let change = (isOpen ? 1 : 0) - (wasOpen ? 1 : 0)
        holders += change
        return change
    }

    func tierIndex(for notional: Money) -> Int? { listing.tierIndex(for: notional) }

    func marginTierIndex(for notional: Money) -> Int { listing.marginTierIndex(for: notional) }

    /// The price positions are valued at: the mark, or for a trade in a market with no oracle
    /// price yet, that trade's price.
    func markOrProvisional(_ tradePrice: Price) -> Price {
        markFromOracle ? (mark ?? tradePrice) : tradePrice
    }
}

extension Ledger {
    /// The listing of a market (lot, tick, risk tiers), nil if it was never listed.
    public func listing(market id: MarketID) -> MarketListed? {
        marketIndexByID[id].map { markets[$0].listing }
    }
}

/// The tier table's lookups (SPEC §4), public so that clients sizing an order or a bid (e.g.
/// `solvent bot`) compute margin exactly as the ledger does.
extension MarketListed {
    /// Index of the tier whose cap covers `notional` (first with notional ≤ notionalCap), or nil
    /// beyond the last cap: the risk limit no trade may cross.
    public func tierIndex(for notional: Money) -> Int? {
        for index in tiers.indices where notional <= tiers[index].notionalCap { return index }
        return nil
    }

    /// The tier in force for margin: beyond the last cap (only reachable when the mark moves;
    /// trades cannot go there) the last tier still applies.
    public func marginTierIndex(for notional: Money) -> Int {
        tierIndex(for: notional) ?? (tiers.count - 1)
    }

    /// The initial margin of a position of `notional` (at the mark, rounded up): notional × the
    /// IMR of its margin tier, rounded up, as `MarketState.margin` computes it.
    public func initialMargin(notional: Money) -> Money {
        notional.isZero ? .zero : notional.times(tiers[marginTierIndex(for: notional)].imr, rounding: .up)
    }
}

/// A market's `Ledger.farMMRBound` for one `callBuffer` (nil bound: `farBand` never answers).
struct FarBound: Sendable {
    var callBuffer: Rate
    var mmrBound: Int64?
}
