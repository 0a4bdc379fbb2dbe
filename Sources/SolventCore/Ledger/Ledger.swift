/// The margin state of SPEC §3–§4: a deterministic projection of the log.
///
/// `check` refuses malformed input without changing anything; `apply` applies a checked input and
/// returns the derived events the engine appends after it (event i goes to seq + 1 + i with
/// cause = seq). Pure: no I/O, no clock, no randomness; nothing reaches an output in hash order.
public struct Ledger: Sendable {
    var markets: [MarketState] = []
    /// Market ids in listing order, found by a seeded hash table (see `InternTable`).
    var marketIndexByID = InternTable()
    var accounts = AccountTable()
    /// Derived, not in snapshots: account indices in id order as of the last `state.root`, so
    /// the next root sorts only the accounts that appeared since (`sortedAccountOrder`).
    var sortedAccounts: [UInt32] = []
    /// Margin calls, running liquidations and auctions (SPEC §5).
    var engine = EngineBook()
    /// Derived, not in snapshots: accounts whose position or cash moved since the markets' ADL
    /// indices were last brought up to date (Liquidation/Engine/ADLUpdates.swift).
    var adlDirty = ADLDirty()
    /// The global parameter set and the seq of the `params.set` that last changed it.
    var globalParams = RiskParams()
    var globalParamsVersion: Seq = 0
    public internal(set) var lastSeq: Seq = 0
    /// Time of the last applied record (issue 5: deadlines, auctions).
    public internal(set) var lastTimeMs: TimeMs = 0
    /// Conservation totals (SPEC §5.10): Σ deposits (incl. insurance deposits) and Σ accepted
    /// withdrawals; `totalCash()` always equals their difference.
    public internal(set) var totalDeposited = Money.zero
    public internal(set) var totalWithdrawn = Money.zero
    /// The engine rules this log is written under (RulesVersion.swift): fixed for a log's life.
    public internal(set) var rules: RulesVersion

    /// The most markets a ledger lists: they are visited for every margin computation.
    public static let maxMarkets = 256

    /// Index of the reserved accounts, interned at genesis so they are queryable from the start.
    static let insuranceIndex = 0
    static let feesIndex = 1

    /// An empty ledger applying `rules` (the log's, from its `meta`; new logs use the current).
    public init(rules: RulesVersion = .current) {
        self.rules = rules
        globalParams = RiskParams(rules: rules)
        _ = accounts.intern(.insurance)
        _ = accounts.intern(.fees)
    }

    /// Reserves room for `count` accounts (bulk replays and benchmarks).
    public mutating func reserveAccounts(_ count: Int) {
        accounts.reserveCapacity(count)
    }

    // MARK: Applying

    public mutating func apply(_ event: Event, seq: Seq, time: TimeMs) -> [Event] {
        apply(event, seq: seq, time: time, resolved: .none)
    }

    /// `apply` with the event's market and account indices as far as the caller knows them.
    mutating func apply(_ event: Event, seq: Seq, time: TimeMs, resolved: ResolvedIDs) -> [Event] {
        guard event.kind.isInput else {
            // A derived record met during replay: its cause re-derives it; only note the seq.
            lastSeq = max(lastSeq, seq)
            return []
        }
        precondition(seq > lastSeq, "input seq \(seq) is not after \(lastSeq)")
        lastTimeMs = time
        var sink = DerivedSink(inputSeq: seq, time: time)
        var settled: SettledTrade?
        switch event {
        case .marketListed(let p): applyMarketListed(p, seq: seq)
        case .paramsSet(let p): applyParamsSet(p, seq: seq)
        case .deposit(let p): applyDeposit(p, account: ResolvedIDs.known(resolved.first))
        case .withdrawal(let p): sink.append(applyWithdrawal(p))
        case .trade(let p): if let rejected = applyTrade(p, resolved: resolved, settled: &settled) { sink.append(.tradeRejected(rejected)) }
        case .oraclePrice(let p): applyOraclePrice(p, market: ResolvedIDs.known(resolved.market), time: time, into: &sink)
        case .funding(let p): applyFunding(p, market: ResolvedIDs.known(resolved.market))
        case .insuranceDeposit(let p): applyInsuranceDeposit(p)
        case .clock, .auctionBid: break  // the engine handles both below
        default:
            preconditionFailure("unreachable: derived kinds return above")
        }
        if !engine.isEmpty || hasPositions(after: event) { runEngine(after: event, settled: settled, resolved: resolved, into: &sink) }
        lastSeq = seq + UInt64(sink.events.count)
        return sink.events
    }

    /// Whether the engine can have anything to do: it only looks at accounts with positions.
    private func hasPositions(after event: Event) -> Bool {
        markets.contains { $0.holders > 0 }
    }

    mutating func applyMarketListed(_ p: MarketListed, seq: Seq) {
        let (index, inserted) = marketIndexByID.intern(p.market)
        precondition(inserted && index == markets.count, "duplicate market \(p.market)")
        markets.append(MarketState(listing: p, params: globalParams, paramsVersion: globalParamsVersion))
        refreshFarBounds()
    }

    mutating func applyParamsSet(_ p: ParamsSet, seq: Seq) {
        if let id = p.market {
            guard let m = marketIndexByID[id] else { preconditionFailure("params.set for unknown market \(id)") }
            markets[m].overrides = p.overlaid(on: markets[m].overrides)
            markets[m].overrides.market = nil
            markets[m].params = markets[m].overrides.applied(to: globalParams)
            markets[m].paramsVersion = seq
        } else {
            globalParams = p.applied(to: globalParams)
            globalParamsVersion = seq
            for m in markets.indices {
                markets[m].params = markets[m].overrides.applied(to: globalParams)
                markets[m].paramsVersion = seq
            }
            refreshFarBounds()
        }
    }

    /// Sets the mark unless the jump guard holds the price (then `oracle.rejected`, mark kept);
    /// an accepted price in a halted market resumes it (`market.resumed`). SPEC §5.9,
    /// Liquidation/Engine/OracleGuard.swift.
    mutating func applyOraclePrice(_ p: OraclePrice, market known: Int? = nil, time: TimeMs, into sink: inout DerivedSink) {
        guard let m = known ?? marketIndexByID[p.market] else { preconditionFailure("oracle.price for unknown market \(p.market)") }
        if let rejected = screenOraclePrice(p.price, market: m) {
            sink.append(.oracleRejected(rejected))
            return
        }
        markets[m].mark = p.price
        markets[m].markFromOracle = true
        markets[m].markTimeMs = time
        if markets[m].halted { sink.append(.marketResumed(resume(market: m))) }
    }

    // MARK: Queries

    /// Accounts interned so far, including `insurance` and `fees`.
    public var accountCount: Int { accounts.count }

    public var marketCount: Int { markets.count }

    /// Σ cash over every account including `insurance` and `fees` (O(accounts)).
    public func totalCash() -> Money {
        accounts.states.reduce(Money.zero) { $0 + $1.cash }
    }

    /// The effective parameters of a market and their version, nil for an unknown market.
    public func params(market id: MarketID) -> (params: RiskParams, version: Seq)? {
        marketIndexByID[id].map { (markets[$0].params, markets[$0].paramsVersion) }
    }

    /// The global parameter set and its version (the seq that set it; 0 for the defaults).
    public var global: (params: RiskParams, version: Seq) { (globalParams, globalParamsVersion) }

    /// The mark of a market: its last oracle price, or before any, its last trade price.
    public func mark(market id: MarketID) -> Price? {
        marketIndexByID[id].flatMap { markets[$0].mark }
    }

    /// Account ids in interning order (first appearance), `insurance` and `fees` first.
    public var accountIDs: [AccountID] { accounts.ids }

    /// Margin totals of an account at current marks, nil if never seen.
    public func margin(_ id: AccountID) -> MarginTotals? {
        accounts.index(of: id).map { marginTotals(account: $0, cash: accounts.states[$0].cash) }
    }

    /// Positions of an account in market listing order: (market, qty, openCost).
    public func positions(_ id: AccountID) -> [(market: MarketID, qty: Quantity, openCost: Money)] {
        guard let index = accounts.index(of: id) else { return [] }
        return markets.compactMap { market in
            let cell = market.cell(index)
            return cell.qty.isZero ? nil : (market.id, cell.qty, cell.openCost)
        }
    }

    /// Σ positions in a market, counted from the cells (must be 0), nil for an unknown market.
    public func netPosition(market id: MarketID) -> Quantity? {
        marketIndexByID[id].map { markets[$0].cells.reduce(Quantity.zero) { $0 + $1.qty } }
    }

    /// Every invariant that does not hold, by scanning the whole state (empty when all hold):
    /// cash conserved exactly, positions sum to zero per market, cached counts current, every
    /// position has a mark. O(accounts × markets): for tests and `verify`, not the write path.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if totalCash() != totalDeposited - totalWithdrawn {
            problems.append("cash not conserved: Σcash \(totalCash()) ≠ deposits \(totalDeposited) − withdrawals \(totalWithdrawn)")
        }
        var openCounts = [Int](repeating: 0, count: accounts.count)
        for market in markets {
            var net = Quantity.zero
            var holders = 0
            for (index, cell) in market.cells.enumerated() where !cell.qty.isZero {
                net += cell.qty
                holders += 1
                openCounts[index] += 1
            }
            if !net.isZero || !market.netQty.isZero { problems.append("positions in \(market.id) sum to \(net)") }
            if holders != market.holders { problems.append("holder count of \(market.id) is stale") }
            if holders > 0 && market.mark == nil { problems.append("positions in \(market.id) without a mark") }
        }
        for (index, state) in accounts.states.enumerated() where Int(state.openPositions) != openCounts[index] {
            problems.append("open position count of \(accounts.id(index)) is stale")
        }
        for (index, state) in accounts.states.enumerated() where state.armedBand != 0 {
            let m = Int(state.armedBand >> 8)
            let held = m < markets.count ? markets[m].triggers.triggers(of: UInt32(index)) : (nil, nil)
            if m >= markets.count || Self.armedCode(held, market: m) != state.armedBand {
                problems.append("armed band of \(accounts.id(index)) is not what the trigger index holds")
            }
        }
        problems += adlIndexViolations()
        problems += engine.invariantViolations()
        return problems
    }

    /// Traps naming the first broken invariant (see `invariantViolations`).
    public func checkInvariants() {
        let problems = invariantViolations()
        precondition(problems.isEmpty, problems.first ?? "")
    }
}

extension Ledger: Equatable {
    /// Two ledgers are equal when they would continue identically: same canonical snapshot.
    public static func == (lhs: Ledger, rhs: Ledger) -> Bool {
        lhs.encodeSnapshot() == rhs.encodeSnapshot()
    }
}

extension ParamsSet {
    /// This set's present fields over `base`'s: a per-market override accumulates.
    public func overlaid(on base: ParamsSet) -> ParamsSet {
        var p = base
        p.market = market ?? base.market
        p.callBuffer = callBuffer ?? p.callBuffer
        p.callGrace = callGrace ?? p.callGrace
        p.liqStep = liqStep ?? p.liqStep
        p.auctionBuffer = auctionBuffer ?? p.auctionBuffer
        p.curve = curve ?? p.curve
        p.tau = tau ?? p.tau
        p.step = step ?? p.step
        p.cut = cut ?? p.cut
        p.tail = tail ?? p.tail
        p.cusp = cusp ?? p.cusp
        p.minFee = minFee ?? p.minFee
        p.maxFee = maxFee ?? p.maxFee
        p.feeDepth = feeDepth ?? p.feeDepth
        p.dustNotional = dustNotional ?? p.dustNotional
        p.holeGlobal = holeGlobal ?? p.holeGlobal
        p.holeMarket = holeMarket ?? p.holeMarket
        p.maxJump = maxJump ?? p.maxJump
        p.confirmations = confirmations ?? p.confirmations
        p.maxStaleness = maxStaleness ?? p.maxStaleness
        p.fundImr = fundImr ?? p.fundImr
        p.fundMmr = fundMmr ?? p.fundMmr
        return p
    }
}
