// Trades (SPEC §4): the buyer pays roundUp(qty × price), the seller receives roundDown, the
// difference (at most 1e-8) goes to `insurance`, fees go to `fees`. A trade is all or nothing:
// when a side may not take it, `trade.rejected` names that side and nothing changes.

/// Why a trade was refused (the `reason` of `trade.rejected`).
public enum TradeRejection: String, Sendable, CaseIterable {
    /// A side that increases exposure would end with `available < 0` (so also when equity < IM),
    /// or a side that does not would be pushed further below zero equity.
    case insufficientMargin = "insufficient_margin"
    /// The position would be beyond the last tier's notional cap.
    case riskLimit = "risk_limit"
    /// A liquidation is running on the side.
    case liquidating
}

/// An applied trade's two accounts with their margin totals after it: exactly what
/// `marginTotals` gives once the trade is stored (same cash, same cells, and the trade's market
/// valued at `markOrProvisional`, which is what its mark becomes), so the engine's assessment
/// that follows need not compute them again (two of the four margin computations of a trade).
struct SettledTrade {
    var buyer: Int
    var seller: Int
    var buyerTotals: MarginTotals
    var sellerTotals: MarginTotals
}

/// One side of a trade, evaluated before anything is applied.
struct TradeSide {
    var index: Int?
    var old: PositionCell
    var new: PositionCell
    var cash: Money
    /// Signed change of cash: −(paid + fee) for the buyer, +(received − fee) for the seller.
    var cashDelta: Money
    /// Whether a liquidation runs on the account, and whether it holds any position (stored
    /// before the trade), as read when the side was evaluated.
    var liquidating = false
    var hasPositions = false

    /// Exposure grows when |position| grows (a flip to a smaller opposite position does not).
    var increasesExposure: Bool { new.qty.magnitude > old.qty.magnitude }
}

extension PositionCell {
    /// The position after trading `delta` at `price`, `signedCost` being the signed cash paid
    /// (+roundUp(q×p) for a buy, −roundDown(q×p) for a sell).
    ///
    /// Open cost: grows by the cash paid while the position grows; on a partial close shrinks in
    /// proportion to the quantity left, rounded up (towards +∞, so uPnL = value − openCost is never
    /// overstated); on a flip restarts as the cost of the new quantity at this price, rounded like
    /// cash (buyer up, seller down); zero when closed.
    func afterTrade(delta: Quantity, price: Price, signedCost: Money) -> PositionCell {
        let qty = qty + delta
        if qty.isZero { return .empty }
        if self.qty.isZero || (self.qty.isPositive == delta.isPositive) {
            return PositionCell(qty: qty, openCost: openCost + signedCost)
        }
        if qty.isPositive == self.qty.isPositive {
            let kept = FixedMath.mulDivRoundingUp(openCost.raw, qty.magnitude.raw, self.qty.magnitude.raw)
            return PositionCell(qty: qty, openCost: Money(raw: kept))
        }
        let cost = qty.isPositive ? qty.value(at: price, rounding: .up) : -qty.magnitude.value(at: price, rounding: .down)
        return PositionCell(qty: qty, openCost: cost)
    }
}

extension Ledger {
    /// Applies a checked trade, or returns why it is refused (and changes nothing). When applied,
    /// `settled` receives both sides' indices and totals after it.
    mutating func applyTrade(_ p: Trade, resolved: ResolvedIDs = .none, settled: inout SettledTrade?) -> TradeRejected? {
        guard let m = ResolvedIDs.known(resolved.market) ?? marketIndexByID[p.market] else { preconditionFailure("trade in unknown market \(p.market)") }
        let mark = markets[m].markOrProvisional(p.price)
        let paid = p.qty.value(at: p.price, rounding: .up)
        let received = p.qty.value(at: p.price, rounding: .down)
        let buyerFee = p.buyerFee ?? .zero
        let sellerFee = p.sellerFee ?? .zero
        let (buyerFound, sellerFound) = resolved.first >= 0 && resolved.second >= 0
            ? (Optional(Int(resolved.first)), Optional(Int(resolved.second))) : accounts.indices(of: p.buyer, p.seller)
        let buyer = tradeSide(buyerFound, market: m, delta: p.qty, price: p.price, signedCost: paid, cashDelta: -(paid + buyerFee))
        let seller = tradeSide(sellerFound, market: m, delta: -p.qty, price: p.price, signedCost: -received, cashDelta: received - sellerFee)
        // Through the static form: `rejection(_:market:mark:)` from here was passed a copy of
        // the ledger per side (it is not inlined into this function, which is large).
        let buyerCheck = markets.withUnsafeBufferPointer { Self.rejection(buyer, in: $0, market: m, mark: mark) }
        if let reason = buyerCheck.reason { return tradeRejected(p.buyer, reason, p.ref) }
        let sellerCheck = markets.withUnsafeBufferPointer { Self.rejection(seller, in: $0, market: m, mark: mark) }
        if let reason = sellerCheck.reason { return tradeRejected(p.seller, reason, p.ref) }
        let buyerIndex = buyer.index ?? accounts.intern(p.buyer)
        let sellerIndex = seller.index ?? accounts.intern(p.seller)
        let dust = paid - received
        let fees = buyerFee + sellerFee
        precondition(buyer.cashDelta + seller.cashDelta + dust + fees == .zero, "trade cash does not balance")
        move(buyerIndex, market: m, to: buyer.new, cashDelta: buyer.cashDelta)
        move(sellerIndex, market: m, to: seller.new, cashDelta: seller.cashDelta)
        accounts.states[Self.insuranceIndex].cash += dust
        accounts.states[Self.feesIndex].cash += fees
        markets[m].netQty += p.qty
        markets[m].netQty -= p.qty
        precondition(markets[m].netQty.isZero, "positions in \(p.market) do not sum to zero")
        if !markets[m].markFromOracle { markets[m].mark = p.price }
        settled = SettledTrade(buyer: buyerIndex, seller: sellerIndex, buyerTotals: buyerCheck.after, sellerTotals: sellerCheck.after)
        return nil
    }

    func tradeSide(_ id: AccountID, market m: Int, delta: Quantity, price: Price, signedCost: Money, cashDelta: Money) -> TradeSide {
        tradeSide(accounts.index(of: id), market: m, delta: delta, price: price, signedCost: signedCost, cashDelta: cashDelta)
    }

    /// One side of a trade, for the account at `index` (nil: never seen).
    func tradeSide(_ index: Int?, market m: Int, delta: Quantity, price: Price, signedCost: Money, cashDelta: Money) -> TradeSide {
        let old = index.map { markets[m].cell($0) } ?? .empty
        let cash = index.map { accounts.states[$0].cash } ?? .zero
        let new = old.afterTrade(delta: delta, price: price, signedCost: signedCost)
        var side = TradeSide(index: index, old: old, new: new, cash: cash, cashDelta: cashDelta)
        if let index {
            side.liquidating = accounts.states[index].isLiquidating
            side.hasPositions = accounts.states[index].openPositions > 0
        }
        return side
    }

    /// Why `side` may not take the trade, if it may not, and its margin totals after it.
    func rejection(_ side: TradeSide, market m: Int, mark: Price) -> (reason: TradeRejection?, after: MarginTotals) {
        markets.withUnsafeBufferPointer { Self.rejection(side, in: $0, market: m, mark: mark) }
    }

    /// `rejection(_:market:mark:)` over the markets' buffer (static: see `marginTotals(in:…)`).
    static func rejection(_ side: TradeSide, in markets: UnsafeBufferPointer<MarketState>, market m: Int,
                          mark: Price) -> (reason: TradeRejection?, after: MarginTotals) {
        if side.liquidating {
            return (.liquidating, MarginTotals(cash: side.cash, equity: .zero, mm: .zero, im: .zero, upnl: .zero))
        }
        let change = PositionChange(market: m, cell: side.new, mark: mark)
        let after = totals(side, in: markets, change: change)
        if side.increasesExposure {
            let notional = side.new.qty.notional(at: mark, rounding: .up)
            if markets[m].listing.tierIndex(for: notional) == nil { return (.riskLimit, after) }
            // available ≥ 0 implies equity ≥ IM (SPEC §4) and, beyond it, that unrealized
            // profit is not margin for new exposure: `available` never goes negative by a trade.
            return (after.available.isNegative ? .insufficientMargin : nil, after)
        }
        // Reducing exposure is always allowed, except a fee or off-mark price that would push
        // equity below zero, or further below: a user's own action never creates bad debt.
        guard after.equity.isNegative else { return (nil, after) }
        let before = totals(side, in: markets, change: nil)
        return (after.equity < before.equity ? .insufficientMargin : nil, after)
    }

    private static func totals(_ side: TradeSide, in markets: UnsafeBufferPointer<MarketState>,
                               change: PositionChange?) -> MarginTotals {
        let cash = change == nil ? side.cash : side.cash + side.cashDelta
        if let index = side.index {
            return marginTotals(in: markets, account: index, hasPositions: side.hasPositions, cash: cash, change: change)
        }
        // A first-time account has no cash and no other position.
        var totals = MarginTotals(cash: cash, equity: cash, mm: .zero, im: .zero, upnl: .zero)
        if let change {
            let position = MarketState.margin(tiers: markets[change.market].listing.tiers, qty: change.cell.qty,
                                              openCost: change.cell.openCost, mark: change.mark)
            totals.equity += position.value
            totals.mm = position.mm
            totals.im = position.im
            totals.upnl = position.upnl
        }
        return totals
    }

    /// Stores an account's new position and cash change, keeping its open-position count.
    mutating func move(_ index: Int, market m: Int, to cell: PositionCell, cashDelta: Money) {
        let opened = markets[m].setCell(index, cell)
        accounts.states[index].openPositions = UInt16(Int(accounts.states[index].openPositions) + opened)
        accounts.states[index].cash += cashDelta
        touchADL(index)
    }

    func tradeRejected(_ account: AccountID, _ reason: TradeRejection, _ ref: Identifier?) -> TradeRejected {
        var rejected = TradeRejected()
        rejected.account = account
        rejected.reason = reason.rawValue
        rejected.ref = ref
        return rejected
    }
}
