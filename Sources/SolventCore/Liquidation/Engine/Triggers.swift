// Fast ticks (SPEC §5): each market keeps its holders in a `TriggerIndex` by the marks that must
// wake them, so an oracle price assesses only the accounts it crosses. The index is a filter: a
// woken account is assessed exactly, then re-armed. Triggers are set so that they are reached no
// later than the exact event (see `band`), and re-set whenever the account's cash or positions
// change (every `assess` ends with `rearm`).

extension Ledger {
    /// Sets account `index`'s wake-up band in every market: none without a position or while
    /// it is being liquidated (the auction drives it); always woken when it holds several
    /// markets, since each trigger depends on the other markets' marks under cross margin.
    mutating func rearm(account index: Int) {
        let state = accounts.states[index]
        let account = UInt32(index)
        let inCall = state.flags & AccountState.Flags.marginCall != 0
        for m in markets.indices {
            let cell = markets[m].cell(index)
            if cell.qty.isZero || state.isLiquidating || index <= Self.feesIndex {
                markets[m].triggers.remove(account)
            } else if state.openPositions > 1 {
                markets[m].triggers.update(account, fallingTo: Price(raw: .max), risingTo: nil)
            } else {
                let band = band(qty: cell.qty, cash: state.cash, market: m, inCall: inCall)
                markets[m].triggers.update(account, fallingTo: band.fallingTo, risingTo: band.risingTo)
            }
        }
    }

    /// The marks that change a single-market account's assessment: entering the margin-call
    /// zone (healthy), or liquidation and leaving the zone (in a call). Longs wake on a falling
    /// mark, shorts on a rising one; the way back out of a call is the other side.
    func band(qty: Quantity, cash: Money, market m: Int, inCall: Bool) -> (fallingTo: Price?, risingTo: Price?) {
        let zone = Rate.one + globalParams.callBuffer
        let enter = trigger(qty: qty, cash: cash, market: m, factor: inCall ? .one : zone)
        let leave = inCall ? trigger(qty: qty, cash: cash, market: m, factor: zone, towardsSafety: true) : nil
        return qty.isPositive ? (enter, leave) : (leave, enter)
    }

    /// The mark at which `cash + q·P = factor · MM(|q|·P)`, made safe for the index: the exact
    /// solution lies on one tier's line, so taking the earliest of every tier's solution (and of
    /// the zero-MM one, the bankruptcy price) is never later than the truth, whatever the tiers;
    /// a margin of a few units covers the 8-decimal rounding of value and MM. `towardsSafety`
    /// (leaving a zone) errs the other way: never after the exact crossing either, so a cleared
    /// call is never late.
    func trigger(qty: Quantity, cash: Money, market m: Int, factor: Rate, towardsSafety: Bool = false) -> Price? {
        var candidates: [Price] = []
        if let bankrupt = LiquidationPrice.bankruptcy(qty: qty, cashPlusOtherValue: cash) { candidates.append(bankrupt) }
        for tier in markets[m].tiers {
            let mmr = Rate(raw: FixedMath.mulDivRoundingUp(tier.mmr.raw, factor.raw, fixedScale))
            let maint = tier.maintAmount.times(factor, rounding: .down)
            if let price = LiquidationPrice.liquidation(qty: qty, cashPlusOtherValue: cash, otherMM: .zero, mmr: mmr, maintAmount: maint) {
                candidates.append(price)
            }
        }
        // Towards the mark at which the event happens first: a long's trigger is the highest
        // candidate, a short's the lowest; leaving a zone is the reverse.
        let wakeHigh = qty.isPositive != towardsSafety
        guard let chosen = wakeHigh ? candidates.max() : candidates.min() else { return nil }
        let margin = Int64(600_000_000 / max(qty.magnitude.raw, 1)) + 1
        let raw = wakeHigh ? chosen.raw.addingReportingOverflow(margin) : chosen.raw.subtractingReportingOverflow(margin)
        guard !raw.overflow else { return wakeHigh ? Price(raw: .max) : nil }
        return raw.partialValue > 0 ? Price(raw: raw.partialValue) : Price(raw: 1)
    }

    /// The holders of market `m` whose band `mark` crosses, in account order.
    func crossedHolders(market m: Int, mark: Price) -> [Int] {
        let hits = markets[m].triggers.crossed(by: mark)
        guard !hits.fell.isEmpty || !hits.rose.isEmpty else { return [] }
        var accounts = (hits.fell + hits.rose).map(Int.init)
        accounts.sort()
        return accounts.enumerated().compactMap { offset, index in offset > 0 && accounts[offset - 1] == index ? nil : index }
    }
}
