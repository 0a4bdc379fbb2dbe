// Bids and fills (SPEC §5.5–5.6): a bid fills min(qty, remaining) at the auction's current price
// when its limit allows, as a trade between the liquidated account and the bidder, who must pass
// the same margin check as any trade. Each fill charges the non-linear penalty to `insurance`.

/// Why a well-formed bid did not fill; logged as `auction.bid.rejected`.
public enum BidRejection: String, Sendable, CaseIterable {
    /// The limit price does not reach the auction's current price.
    case limitNotMet = "limit_not_met"
    /// The fill would leave a remainder under `dustNotional`: the bid must take all of it.
    case dustRemainder = "dust_remainder"
    case insufficientMargin = "insufficient_margin"
    case riskLimit = "risk_limit"
    case liquidating
    /// The auction's market is halted (stale price): its curve stands still until it resumes.
    case marketHalted = "market_halted"
    /// Rules 2: the step the next `clock` would have taken, applied at the bid's time, ended the
    /// auction (its account recovered, or the curve had reached the bankruptcy price).
    case auctionEnded = "auction_ended"
}

/// One side of a fill between the liquidated account and a counterparty at `price`.
struct Fill {
    var market: Int
    /// Signed quantity the counterparty takes (the account's position changes by its negative).
    var qty: Quantity
    var price: Price

    /// Cash paid by the buying side (rounded up) and received by the selling side (down).
    var paid: Money { qty.magnitude.value(at: price, rounding: .up) }
    var received: Money { qty.magnitude.value(at: price, rounding: .down) }
    /// Whether the counterparty buys (the account sells a long).
    var counterpartyBuys: Bool { qty.isPositive }
}

extension Ledger {
    mutating func applyBid(_ bid: AuctionBid, into sink: inout DerivedSink) {
        guard var a = engine.auctionIndex(id: bid.auction) else { preconditionFailure("bid on unknown auction \(bid.auction)") }
        var price = fillPrice(engine.auctions[a], at: sink.time)
        if rules.fundIsMargined, !markets[engine.auctions[a].market].halted {
            advance(auction: a, into: &sink)
            guard let still = engine.auctionIndex(id: bid.auction) else {
                rejectBid(bid, reason: .auctionEnded, price: price, into: &sink)
                return
            }
            a = still
            price = fillPrice(engine.auctions[a], at: sink.time)
        }
        let auction = engine.auctions[a]
        if let reason = bidRejection(bid, auction: auction, price: price) {
            rejectBid(bid, reason: reason, price: price, into: &sink)
            return
        }
        let size = min(bid.qty, auction.remaining.magnitude)
        let fill = Fill(market: auction.market, qty: auction.remaining.isPositive ? size : -size, price: price)
        let counterparty = accounts.intern(bid.bidder)
        settle(fill, account: auction.account, counterparty: counterparty)
        let penalty = chargePenalty(fill, auction: auction)
        recordFill(a, fill: fill, bidder: bid.bidder, penalty: penalty, into: &sink)
        // A fill above the bankruptcy price leaves cash: the rest may no longer need selling.
        if let still = engine.auctionIndex(id: auction.id) { endIfRecovered(auction: still, into: &sink) }
        assess(account: counterparty, into: &sink)
    }

    mutating func rejectBid(_ bid: AuctionBid, reason: BidRejection, price: Price, into sink: inout DerivedSink) {
        var rejected = AuctionBidRejected()
        rejected.auction = bid.auction
        rejected.bidder = bid.bidder
        rejected.reason = reason.rawValue
        rejected.price = price
        sink.append(.auctionBidRejected(rejected))
    }

    /// Why `bid` cannot fill now, checked before anything changes.
    func bidRejection(_ bid: AuctionBid, auction: RunningAuction, price: Price) -> BidRejection? {
        if markets[auction.market].halted { return .marketHalted }
        let limitMet = auction.direction == .falling ? bid.limitPrice >= price : bid.limitPrice <= price
        guard limitMet else { return .limitNotMet }
        let size = min(bid.qty, auction.remaining.magnitude)
        let rest = auction.remaining.magnitude - size
        if rest.isPositive && rest.notional(at: price, rounding: .up) < markets[auction.market].params.dustNotional {
            return .dustRemainder
        }
        let fill = Fill(market: auction.market, qty: auction.remaining.isPositive ? size : -size, price: price)
        let side = counterpartySide(bid.bidder, fill: fill)
        guard let mark = markets[auction.market].mark else { return nil }
        switch rejection(side, market: auction.market, mark: mark).reason {
        case nil: return nil
        case .insufficientMargin: return .insufficientMargin
        case .riskLimit: return .riskLimit
        case .liquidating: return .liquidating
        }
    }

    func counterpartySide(_ id: AccountID, fill: Fill) -> TradeSide {
        let cost = fill.counterpartyBuys ? fill.paid : -fill.received
        let cashDelta = fill.counterpartyBuys ? -fill.paid : fill.received
        return tradeSide(id, market: fill.market, delta: fill.qty, price: fill.price, signedCost: cost, cashDelta: cashDelta)
    }

    /// Moves the position and cash of a fill; the rounding difference goes to `insurance`.
    mutating func settle(_ fill: Fill, account: Int, counterparty: Int) {
        let m = fill.market
        let theirs = markets[m].cell(counterparty)
        let cost = fill.counterpartyBuys ? fill.paid : -fill.received
        let theirCash = fill.counterpartyBuys ? -fill.paid : fill.received
        move(counterparty, market: m, to: theirs.afterTrade(delta: fill.qty, price: fill.price, signedCost: cost), cashDelta: theirCash)
        let ours = markets[m].cell(account)
        let ourCost = fill.counterpartyBuys ? -fill.received : fill.paid
        let ourCash = fill.counterpartyBuys ? fill.received : -fill.paid
        move(account, market: m, to: ours.afterTrade(delta: -fill.qty, price: fill.price, signedCost: ourCost), cashDelta: ourCash)
        accounts.states[Self.insuranceIndex].cash += fill.paid - fill.received
    }

    /// SPEC §5.6: the penalty on this fill's notional, never driving equity below zero.
    mutating func chargePenalty(_ fill: Fill, auction: RunningAuction) -> Money {
        // The fund's unwind pays none: the penalty would go from the fund to itself.
        guard !auction.isFundUnwind, let l = engine.liquidationIndex(id: auction.liquidation) else { return .zero }
        let equity = marginTotals(account: auction.account, cash: accounts.states[auction.account].cash).equity
        let penalty = Penalty.penalty(notional: fill.qty.notional(at: fill.price, rounding: .up),
                                      liquidatedNotional: engine.liquidations[l].notional,
                                      params: markets[auction.market].params, equityAvailable: equity)
        accounts.states[auction.account].cash -= penalty
        touchADL(auction.account)
        accounts.states[Self.insuranceIndex].cash += penalty
        engine.liquidations[l].penaltyPaid += penalty
        return penalty
    }

    mutating func recordFill(_ a: Int, fill: Fill, bidder: AccountID, penalty: Money, into sink: inout DerivedSink) {
        engine.updateAuction(a) { $0.remaining -= fill.qty }
        let auction = engine.auctions[a]
        if let l = engine.liquidationIndex(id: auction.liquidation) { engine.liquidations[l].closedQty += fill.qty.magnitude }
        var record = AuctionFill()
        record.auction = auction.id
        record.liquidation = auction.liquidation
        record.bidder = bidder
        record.qty = fill.qty.magnitude
        record.price = fill.price
        record.penalty = penalty
        record.remaining = auction.remaining.magnitude
        sink.append(.auctionFill(record))
        if auction.remaining.isZero { endAuction(a, reason: "filled", into: &sink) }
    }
}
