// Oracle cascade guards (SPEC §5.9): a price that jumps too far from the last accepted one is held
// until enough consecutive prices confirm it, and a market whose last accepted price is too old is
// halted for liquidation until a fresh price arrives. A glitching or silent feed must not start a
// cascade of liquidations at prices nobody can trade at.
//
// Jump guard, per market, with that market's `maxJump` and `confirmations`:
// - the first oracle price ever is accepted (there is nothing to compare it with);
// - a price within `maxJump` of the last accepted price (|p − last| ≤ maxJump × last, exactly, no
//   rounding) is accepted, and clears any hold;
// - otherwise it is held (`oracle.rejected {reason: "jump"}`, mark unchanged). Held prices "agree"
//   when each is within `maxJump` of the FIRST held price: measuring against the first (not the
//   previous) one keeps a slow drift of glitches from walking the hold anywhere. An agreeing price
//   counts one more confirmation; a price that neither agrees nor is close to the last accepted
//   one starts a new hold with itself as the first;
// - the price that brings the count to `confirmations` (the first held price included) is
//   accepted: the mark becomes that latest price;
// - `maxJump = 0` or `confirmations ≤ 1` turns the guard off (every price is accepted).
// Held prices do not refresh the staleness clock: only accepted prices do.
//
// Staleness halt, per market, with its `maxStaleness`: checked before the engine's other steps
// after every input (time moves with every record, not only `clock`). A market with positions
// whose last accepted oracle price is more than `maxStaleness` older than the input is halted
// (`market.halted {reason: "stale", lastPriceTime}`, once). Before its first oracle price a market
// is never halted (its mark is the last trade price, as fresh as trading itself); `maxStaleness = 0`
// turns halts off. While halted:
// - no liquidation starts for an account holding a position in that market (neither `maintenance`
//   nor `margin_call_expired`); margin calls and clears are still recorded, as warnings at the last
//   accepted mark, but an expired call waits for the resumption;
// - its auctions do not move: no backstop or reset on `clock`, and bids are rejected
//   (`market_halted`), since the curve's price is anchored to a mark nobody can vouch for.
// An accepted price resumes it: `market.resumed {price}`, then each of its auctions restarts from
// the fresh mark (`auction.reset {reason: "resumed"}`) and every holder of the market is assessed
// (whatever happened during the halt, not only what the new mark crosses).

extension Ledger {
    /// Runs the jump guard on `price` for market `m`, updating its hold; returns the rejection
    /// record when the price is held, nil when it is accepted.
    mutating func screenOraclePrice(_ price: Price, market m: Int) -> OracleRejected? {
        let params = markets[m].params
        guard markets[m].markFromOracle, let last = markets[m].mark, params.maxJump.isPositive, params.confirmations > 1,
              Self.jumps(from: last, to: price, maxJump: params.maxJump) else {
            clearHold(market: m)
            return nil
        }
        if let first = markets[m].heldPrice, !Self.jumps(from: first, to: price, maxJump: params.maxJump) {
            markets[m].heldCount += 1
        } else {
            markets[m].heldPrice = price
            markets[m].heldCount = 1
        }
        if markets[m].heldCount >= params.confirmations {
            clearHold(market: m)
            return nil
        }
        var rejected = OracleRejected()
        rejected.market = markets[m].id
        rejected.price = price
        rejected.lastPrice = last
        rejected.reason = "jump"
        return rejected
    }

    mutating func clearHold(market m: Int) {
        markets[m].heldPrice = nil
        markets[m].heldCount = 0
    }

    /// `|price − reference| > maxJump × reference`, exactly (both sides scaled by 10^8 in Int128).
    static func jumps(from reference: Price, to price: Price, maxJump: Rate) -> Bool {
        let moved = Int128(price.raw) - Int128(reference.raw)
        let magnitude = moved < 0 ? -moved : moved
        return magnitude * Int128(fixedScale) > Int128(maxJump.raw) * Int128(reference.raw)
    }

    /// After an `oracle.price` for market `m`: nothing when it was held (the mark did not move);
    /// the resumption steps when it resumed a halted market; else the holders it crosses.
    mutating func afterOraclePrice(market m: Int, into sink: inout DerivedSink) {
        guard markets[m].heldPrice == nil else { return }
        if sink.events.contains(where: { $0.kind == .marketResumed }) {
            restartAuctions(market: m, into: &sink)
            assessHolders(market: m, into: &sink)
        } else {
            assessCrossed(market: m, into: &sink)
        }
    }

    // MARK: Staleness halts

    /// Halts, in listing order, every market that went stale by the time of this input.
    mutating func haltStaleMarkets(into sink: inout DerivedSink) {
        for m in markets.indices where isStale(market: m, at: sink.time) {
            markets[m].halted = true
            var halted = MarketHalted()
            halted.market = markets[m].id
            halted.reason = "stale"
            halted.lastPriceTime = markets[m].markTimeMs
            sink.append(.marketHalted(halted))
        }
    }

    /// Not yet halted, with positions, an oracle price, a staleness limit, and that price older
    /// than the limit at `time`.
    /// Runs after every input: reads fields in place rather than copying the market.
    func isStale(market m: Int, at time: TimeMs) -> Bool {
        guard !markets[m].halted, markets[m].holders > 0, markets[m].markFromOracle else { return false }
        let limit = markets[m].params.maxStalenessMs
        return limit > 0 && time - markets[m].markTimeMs > limit
    }

    /// Whether account `index` holds a position in a halted market: no liquidation starts for it.
    func holdsHaltedMarket(account index: Int) -> Bool {
        markets.contains { $0.halted && !$0.cell(index).qty.isZero }
    }

    /// Clears the halt of market `m` (its fresh mark is already set) and says so.
    mutating func resume(market m: Int) -> MarketResumed {
        markets[m].halted = false
        var resumed = MarketResumed()
        resumed.market = markets[m].id
        resumed.price = markets[m].mark ?? .zero
        return resumed
    }

    /// Restarts each auction of market `m` from its fresh mark, in id order: their curves were
    /// anchored to the price that went stale.
    mutating func restartAuctions(market m: Int, into sink: inout DerivedSink) {
        for a in engine.auctions.indices where engine.auctions[a].market == m {
            resetAuction(a, reason: "resumed", into: &sink)
        }
    }
}
