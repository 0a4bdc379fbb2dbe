// Range checks of the inputs that move positions: trades and auction bids (RangeChecks.swift
// for the bounds). Each figure `applyTrade` and the margin arithmetic after it will form is
// computed here first, exactly, so that they cannot trap.

extension Ledger {
    /// A trade's price, `qty × price`, fees, both positions after it (in quantity and at the trade
    /// price), the market's open interest and the exposure at the mark it leaves, both sides'
    /// cash and Σ |open cost| after it must be within their bounds.
    func checkTradeRange(_ p: Trade, market m: Int, buyer: Int?, seller: Int?) throws(InputError) {
        try Self.checkPrice(p.price, field: "price")
        let mark = markets[m].markOrProvisional(p.price)
        guard mark.raw <= RangeLimits.maxPriceRaw else {
            throw Self.outOfRange("market", "the mark of \(p.market), \(mark), is beyond the largest price \(Price(raw: RangeLimits.maxPriceRaw)) at which positions may be held")
        }
        let value = Self.ceilValue(Int128(p.qty.raw), Int128(p.price.raw))
        let maxValue = Int128(RangeLimits.maxExposureRaw)
        guard value <= maxValue else {
            throw Self.outOfRange("qty", "qty × price = \(Self.text(value)) is beyond the largest trade value \(Money(raw: RangeLimits.maxExposureRaw))")
        }
        try Self.checkFee(p.buyerFee, field: "buyerFee")
        try Self.checkFee(p.sellerFee, field: "sellerFee")
        let buyerOld = buyer.map { markets[m].cell($0) } ?? .empty
        let sellerOld = seller.map { markets[m].cell($0) } ?? .empty
        let buyerQty = try checkPosition(buyerOld.qty, plus: Int128(p.qty.raw), price: p.price, side: p.buyer, field: "buyer")
        let sellerQty = try checkPosition(sellerOld.qty, plus: -Int128(p.qty.raw), price: p.price, side: p.seller, field: "seller")
        try checkOpenInterest(p, market: m, buyer: (buyerOld.qty, buyerQty), seller: (sellerOld.qty, sellerQty))
        let paid = value
        let received = Self.floorDiv(Int128(p.qty.raw) * Int128(p.price.raw), Int128(fixedScale))
        try checkSide(buyer, p.buyer, field: "buyer", market: m, old: buyerOld, delta: p.qty, price: p.price,
                      signedCost: paid, cashDelta: -paid - Int128(p.buyerFee?.raw ?? 0))
        try checkSide(seller, p.seller, field: "seller", market: m, old: sellerOld, delta: -p.qty, price: p.price,
                      signedCost: -received, cashDelta: received - Int128(p.sellerFee?.raw ?? 0))
    }

    private static func checkFee(_ fee: Money?, field: String) throws(InputError) {
        guard let fee, fee.raw > RangeLimits.maxExposureRaw else { return }
        throw outOfRange(field, "\(fee) is beyond the largest fee \(Money(raw: RangeLimits.maxExposureRaw))")
    }

    /// The position `old + delta`, refused beyond the open-interest bound or, valued at the
    /// trade price, beyond the exposure bound (a flip's open cost is that value).
    private func checkPosition(_ old: Quantity, plus delta: Int128, price: Price, side: AccountID, field: String) throws(InputError) -> Int128 {
        let after = Int128(old.raw) + delta
        guard after.magnitude <= UInt128(RangeLimits.maxOpenInterestRaw) else {
            throw Self.outOfRange("qty", "the position of \(side) would be \(Self.text(after)), beyond \(Quantity(raw: RangeLimits.maxOpenInterestRaw))")
        }
        let value = Self.ceilValue(Int128(after.magnitude), Int128(price.raw))
        guard value <= Int128(RangeLimits.maxExposureRaw) else {
            throw Self.outOfRange("qty", "the position of \(side) would be worth \(Self.text(value)) at \(price), beyond \(Money(raw: RangeLimits.maxExposureRaw))")
        }
        return after
    }

    /// The market's long open interest after the trade, and the exposure with it at the mark
    /// the trade leaves (its price, before the market's first oracle price).
    /// Two sides, not an array of them: this runs for every trade, in replay too.
    private func checkOpenInterest(_ p: Trade, market m: Int, buyer: (old: Quantity, new: Int128),
                                   seller: (old: Quantity, new: Int128)) throws(InputError) {
        let before = Int128(markets[m].longOpenInterest.raw)
        var open = before
        open += max(0, buyer.new) - Int128(max(0, buyer.old.raw))
        open += max(0, seller.new) - Int128(max(0, seller.old.raw))
        guard open <= Int128(RangeLimits.maxOpenInterestRaw) else {
            throw Self.outOfRange("qty", "the open interest of \(p.market) would be \(Self.text(open)), beyond \(Quantity(raw: RangeLimits.maxOpenInterestRaw))")
        }
        let mark = markets[m].markOrProvisional(p.price)
        guard open > before || mark != markets[m].mark else { return }
        let total = exposure(market: m, longOpenInterest: open, mark: mark)
        guard total <= Int128(RangeLimits.maxExposureRaw) else {
            throw Self.outOfRange("qty", "the trade would take the exposure (Σ open interest × mark) to \(Self.text(total)), beyond \(Money(raw: RangeLimits.maxExposureRaw))")
        }
    }

    /// One side's cash and Σ |open cost| after the trade. Σ |open cost| is refused only when the
    /// trade grows it beyond the bound, so a trade that reduces it is never refused.
    private func checkSide(_ index: Int?, _ id: AccountID, field: String, market m: Int, old: PositionCell, delta: Quantity,
                           price: Price, signedCost: Int128, cashDelta: Int128) throws(InputError) {
        let cash = Int128(index.map { accounts.states[$0].cash.raw } ?? 0) + cashDelta
        guard cash.magnitude <= UInt128(RangeLimits.maxHolderCashRaw) else {
            throw Self.outOfRange(field, "the trade would take the cash of \(id) to \(Self.text(cash)), beyond the holders' bound \(Money(raw: RangeLimits.maxHolderCashRaw))")
        }
        // In range now: |position| ≤ 2^61 and its value at the price ≤ 2^60 (checkPosition),
        // |signedCost| ≤ 2^60, and an open cost within Σ |open cost| ≤ 2^60 plus the headroom.
        let new = old.afterTrade(delta: delta, price: price, signedCost: Money(raw: Int64(signedCost)))
        var costs = Int128(new.openCost.raw.magnitude)
        var costsBefore = Int128(old.openCost.raw.magnitude)
        if let index {
            for other in markets.indices where other != m {
                let held = Int128(markets[other].cell(index).openCost.raw.magnitude)
                costs += held
                costsBefore += held
            }
        }
        guard costs <= Int128(RangeLimits.maxExposureRaw) || costs <= costsBefore else {
            throw Self.outOfRange(field, "the trade would take the Σ open cost of \(id) to \(Self.text(costs)), beyond \(Money(raw: RangeLimits.maxExposureRaw))")
        }
    }

    /// A bid's limit price, quantity, `qty × limitPrice` and the bidder's cash after paying or
    /// receiving that much must be within their bounds. (A fill is at most the bid, at most at
    /// its limit price, and at most the auction's lot, a position the bounds already hold.)
    func checkBidRange(_ p: AuctionBid, bidder: Int?) throws(InputError) {
        try Self.checkPrice(p.limitPrice, field: "limitPrice")
        guard p.qty.raw <= RangeLimits.maxOpenInterestRaw else {
            throw Self.outOfRange("qty", "\(p.qty) is beyond the largest quantity \(Quantity(raw: RangeLimits.maxOpenInterestRaw))")
        }
        let value = Self.ceilValue(Int128(p.qty.raw), Int128(p.limitPrice.raw))
        guard value <= Int128(RangeLimits.maxExposureRaw) else {
            throw Self.outOfRange("qty", "qty × limitPrice = \(Self.text(value)) is beyond the largest bid value \(Money(raw: RangeLimits.maxExposureRaw))")
        }
        let cash = Int128(bidder.map { accounts.states[$0].cash.raw } ?? 0)
        guard (cash.magnitude + value.magnitude) <= UInt128(RangeLimits.maxHolderCashRaw) else {
            throw Self.outOfRange("bidder", "the cash of \(p.bidder), \(Self.text(cash)), with the bid's \(Self.text(value)) could leave the holders' bound \(Money(raw: RangeLimits.maxHolderCashRaw))")
        }
    }

    /// A lot beyond the open-interest bound or a tick beyond the price bound could make no trade
    /// possible, and their roundings overflow.
    static func checkListingRange(_ p: MarketListed) throws(InputError) {
        guard p.lotSize.raw <= RangeLimits.maxOpenInterestRaw else {
            throw outOfRange("lotSize", "\(p.lotSize) is beyond the largest quantity \(Quantity(raw: RangeLimits.maxOpenInterestRaw))")
        }
        try checkPrice(p.tickSize, field: "tickSize")
    }

    /// Durations are added to record times (deadlines, staleness, auction tails).
    static func checkParamsRange(_ p: ParamsSet) throws(InputError) {
        let durations: [(Int64?, String)] = [(p.callGrace, "callGrace"), (p.tau, "tau"), (p.step, "step"),
                                              (p.tail, "tail"), (p.maxStaleness, "maxStaleness")]
        for (duration, name) in durations {
            guard let duration, duration > RangeLimits.maxTimeMs else { continue }
            throw outOfRange(name, "\(duration) ms is beyond the longest duration \(RangeLimits.maxTimeMs) ms")
        }
    }
}
