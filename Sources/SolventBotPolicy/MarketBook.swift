import SolventCore

/// What a bidder knows about each market from the records: its listing (lot, tiers), the risk
/// parameters in force (global `params.set` with per-market overrides, as the ledger combines
/// them), the mark and whether it is halted. The mark follows `oracle.price` unless the jump guard
/// held it (`oracle.rejected` right after it, docs/LIQUIDATION.md "Oracle guards").
public struct MarketBook: Sendable {
    public struct Market: Sendable {
        public var listing: MarketListed
        public var overrides = ParamsSet()
        public var params: RiskParams
        public var mark: Price?
        public var halted = false
    }

    /// Until a global `params.set`, the defaults of the log's engine rules.
    public private(set) var globalParams: RiskParams
    private var markets: [MarketID: Market] = [:]
    /// The last accepted-looking `oracle.price` (its seq) and the mark it replaced, undone when
    /// the guard's `oracle.rejected` names it as its cause.
    private var lastOracle: (seq: Seq, market: MarketID, previous: Price?)?

    /// A book for a log written under `rules` (the daemon's `status` says which).
    public init(rules: RulesVersion = .current) {
        globalParams = RiskParams(rules: rules)
    }

    public func market(_ id: MarketID) -> Market? { markets[id] }

    public mutating func observe(_ record: Record) {
        switch record.event {
        case .marketListed(let p):
            markets[p.market] = Market(listing: p, params: globalParams)
        case .paramsSet(let p):
            if let id = p.market {
                guard var market = markets[id] else { return }
                market.overrides = p.overlaid(on: market.overrides)
                market.overrides.market = nil
                market.params = market.overrides.applied(to: globalParams)
                markets[id] = market
            } else {
                globalParams = p.applied(to: globalParams)
                for (id, market) in markets { markets[id]?.params = market.overrides.applied(to: globalParams) }
            }
        case .oraclePrice(let p):
            guard markets[p.market] != nil else { return }
            lastOracle = (record.seq, p.market, markets[p.market]?.mark)
            markets[p.market]?.mark = p.price
        case .oracleRejected(let p):
            if let last = lastOracle, record.cause == last.seq, last.market == p.market {
                markets[p.market]?.mark = last.previous
            }
        case .marketHalted(let p):
            markets[p.market]?.halted = true
        case .marketResumed(let p):
            markets[p.market]?.halted = false
            markets[p.market]?.mark = p.price
        default:
            break
        }
    }
}
