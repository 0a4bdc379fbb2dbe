// The insurance fund's unwind (docs/LIQUIDATION.md "Backstop"): what the fund takes at a backstop
// is put up for sale at once, on the same Dutch-auction curve as any liquidation, so the fund is
// never left carrying market risk that nothing assesses. The unwind is the fund's liquidation in
// all but the records: no penalty (it would be paid to itself), no margin call, no
// `liquidation.started` (its auction names the liquidation whose backstop it unwinds), and it
// never sells past the fund's own bankruptcy price (the fund is the backstop: nothing backs it).

extension RunningAuction {
    /// Whether this auction sells the insurance fund's own position (liquidated accounts are
    /// never the fund: `decide` skips it).
    var isFundUnwind: Bool { account == Ledger.insuranceIndex }
}

extension Ledger {
    /// After a backstop in market `m`: the fund's whole position there goes to one unwind auction.
    /// A running unwind in `m` ends (`merged`) and a new one starts for the merged position from
    /// the current mark, so there is at most one per market and its remainder is always exactly
    /// the fund's position (a backstop on the other side may even have closed it).
    mutating func startFundUnwind(market m: Int, after liquidation: Seq, into sink: inout DerivedSink) {
        if let a = engine.auctions.firstIndex(where: { $0.isFundUnwind && $0.market == m }) {
            endAuction(a, reason: "merged", into: &sink)
        }
        let position = markets[m].cell(Self.insuranceIndex).qty
        guard !position.isZero else { return }
        startAuction(liquidation: liquidation, account: Self.insuranceIndex, market: m, qty: position, into: &sink)
    }

    /// The price a bid on `auction` fills at now: the curve's, except that a fund unwind stops at
    /// the fund's bankruptcy price (rounded in the fund's favour), so no fill leaves the fund
    /// worth less than zero. A fund short with no bankruptcy price is worth ≤ 0 at every price:
    /// buying back cheaper is still better than holding, so the curve stands.
    func fillPrice(_ auction: RunningAuction, at time: TimeMs) -> Price {
        let curve = auctionPrice(auction, at: time)
        guard auction.isFundUnwind, let floor = bankruptcyPrice(account: auction.account, market: auction.market) else { return curve }
        return auction.direction == .falling ? max(curve, floor) : min(curve, floor)
    }

    /// On `clock`: an unwind has no backstop and no ADL behind it. It resets from the mark after
    /// `tail` or past `cusp` like any auction, and also once its curve has passed the fund's
    /// bankruptcy price: the fund keeps what it cannot sell without going under, and offers it
    /// again from each fresh mark until bids take it.
    mutating func advanceFundUnwind(_ a: Int, into sink: inout DerivedSink) {
        let auction = engine.auctions[a]
        let curve = auctionPrice(auction, at: sink.time)
        // Rules 2: no `fund_bankruptcy` reset, which let the fund ride a falling position down
        // from each fresh mark; the fund's maintenance (MarginedFund.swift) deleverages it instead.
        if !rules.fundIsMargined, fillPrice(auction, at: sink.time) != curve {
            resetAuction(a, reason: "fund_bankruptcy", into: &sink)
        } else if needsReset(auction, price: curve, time: sink.time) {
            resetAuction(a, into: &sink)
        }
    }
}
