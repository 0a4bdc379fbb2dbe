/// A running liquidation auction as of a log time, for the dashboard: where its curve stands,
/// how far it may fall (or rise) before the account is bankrupt, and when it next moves.
public struct AuctionView: Equatable, Sendable {
    /// Seq of its `auction.started` record, and of its liquidation's `liquidation.started`.
    public var id: Seq
    public var liquidation: Seq
    public var account: AccountID
    public var market: MarketID
    /// Signed remainder still to close (the position's sign).
    public var remaining: Quantity
    public var startPrice: Price
    public var startTimeMs: TimeMs
    public var curve: AuctionCurve
    public var direction: AuctionDirection
    /// The curve's price at `atMs` (`AuctionPrice.price`, what a bid then fills at).
    public var price: Price
    public var atMs: TimeMs
    /// The account's bankruptcy price for the position now (equity 0), nil if none exists.
    public var bankruptcyPrice: Price?
    /// Milliseconds from `atMs` to the curve's next step (stairstep: `step`; exponential: each
    /// second); nil for the linear curve, which moves continuously.
    public var nextStepInMs: Int64?
    /// Milliseconds from `atMs` until the auction is older than `tail` and is reset.
    public var tailInMs: Int64
}

extension Ledger {
    /// The running auctions in creation order, priced at `atMs` (the log's last time when nil).
    public func auctionViews(at atMs: TimeMs? = nil) -> [AuctionView] {
        let now = atMs ?? lastTimeMs
        return engine.auctions.map { auction in
            let market = markets[auction.market]
            let params = market.params
            let elapsedMs = max(0, now - auction.startTimeMs)
            let state = accounts.states[auction.account]
            let bankruptcy = market.mark == nil || market.cell(auction.account).qty.isZero ? nil
                : positionLine(account: auction.account, market: auction.market,
                               totals: marginTotals(account: auction.account, cash: state.cash)).bankruptcyPrice
            return AuctionView(
                id: auction.id, liquidation: auction.liquidation, account: state.id, market: market.id,
                remaining: auction.remaining, startPrice: auction.startPrice, startTimeMs: auction.startTimeMs,
                curve: params.curve, direction: auction.direction,
                price: AuctionPrice.price(curve: params.curve, start: auction.startPrice, elapsedMs: elapsedMs,
                                          direction: auction.direction, params: params),
                atMs: now, bankruptcyPrice: bankruptcy,
                nextStepInMs: Self.nextStepInMs(curve: params.curve, stepMs: params.stepMs, elapsedMs: elapsedMs),
                tailInMs: max(0, params.tailMs - elapsedMs))
        }
    }

    /// Time to the curve's next discrete move (Abacus.swift: stairstep every `stepMs`,
    /// exponential every whole second, linear continuously).
    static func nextStepInMs(curve: AuctionCurve, stepMs: Int64, elapsedMs: Int64) -> Int64? {
        switch curve {
        case .linear: return nil
        case .stairstep: return stepMs > 0 ? stepMs - elapsedMs % stepMs : nil
        case .exponential: return 1_000 - elapsedMs % 1_000
        }
    }
}
