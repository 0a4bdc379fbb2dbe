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
        // Fields read in place: copying the record retained and released its id on every call.
        let flags = accounts.states[index].flags
        let openPositions = accounts.states[index].openPositions
        let cash = accounts.states[index].cash
        let held = accounts.states[index].armedBand
        let account = UInt32(index)
        let inCall = flags & AccountState.Flags.marginCall != 0
        let dropped = flags & AccountState.Flags.liquidating != 0 || index <= Self.feesIndex
        var armed: UInt16 = 0
        for m in markets.indices {
            let cell = markets[m].cell(index)
            if cell.qty.isZero || dropped {
                // A closed long had no trigger here: `held` says so without reading the index.
                let none = Self.armedCode((nil, nil), market: m)
                if held != 0 && held == none { armed = held; continue }
                if !dropped && !inCall && Self.keepsFarRising(held, market: m, mark: markets[m].mark) { armed = held; continue }
                markets[m].triggers.remove(account, holding: Self.band(armed: held, market: m))
                if armed == 0, let none { armed = none }
            } else if openPositions > 1 {
                markets[m].triggers.update(account, fallingTo: Price(raw: .max), risingTo: nil)
            } else {
                // `storedBand`, with its cheap case through the static form: a call of the
                // instance method from here was passed a copy of the ledger (not inlined).
                let callBuffer = globalParams.callBuffer
                let far = inCall ? nil : markets.withUnsafeBufferPointer {
                    Self.farBand(qty: cell.qty, cash: cash, in: $0, market: m, callBuffer: callBuffer)
                }
                let band = far ?? Self.clamped(self.band(qty: cell.qty, cash: cash, market: m, inCall: inCall), mark: markets[m].mark)
                let code = Self.armedCode(band, market: m)
                armed = code ?? 0
                // The index already holds this band (see `armedCode`): reading it to find so
                // would be a cache miss per account (~15% of replay with 100k accounts).
                if let code, code == held { continue }
                if let far, far.fallingTo == nil, far.risingTo == nil, Self.keepsFarRising(held, market: m, mark: markets[m].mark) {
                    armed = held
                    continue
                }
                markets[m].triggers.update(account, fallingTo: band.fallingTo, risingTo: band.risingTo,
                                           holding: Self.band(armed: held, market: m))
            }
        }
        if held != armed { accounts.states[index].armedBand = armed }
    }

    /// Whether an account out of any margin call that needs no trigger in market `m` (no
    /// position there, or a long `farBand` finds safe) may keep the far rising trigger `held`
    /// names instead of having it removed: when it is the one a far short gets at the current
    /// mark (`farOctaves`' rising
    /// power of two). A position that flips between short and long then leaves the B+ tree
    /// alone (a remove and an insert per flip were ~5% of the applying thread in `bench
    /// replay`). Safe as every clamped trigger is: the index only ever wakes early; a woken
    /// account is assessed exactly (one with nothing to fear derives nothing) and re-armed, and
    /// once the mark has moved the octave on, the kept trigger no longer matches and goes. Never
    /// for an account in a call (its early wake could start an expired call's liquidation
    /// before its turn): entering a call re-arms with the exact band, which replaces it.
    /// Static, with market `m`'s mark: a method called from `rearm` was passed a ledger copy.
    @inline(__always)
    static func keepsFarRising(_ held: UInt16, market m: Int, mark: Price?) -> Bool {
        guard held & 3 == 3, Int(held >> 8) == m, let mark, mark.raw > 1, mark.raw <= Int64.max / 4 else { return false }
        return Int64(1) << Int64((held >> 2) & 63) == Self.farOctaves(mark.raw).above
    }

    /// The band market `m`'s index holds for an account whose `armedBand` is `code`, when the
    /// code says (non-zero and naming `m`): then `update` need not read the index to learn it,
    /// a cache miss per re-armed account (a third of `rearm`'s time in the replay bench).
    static func band(armed code: UInt16, market m: Int) -> (fallingTo: Price?, risingTo: Price?)? {
        guard code != 0, Int(code >> 8) == m else { return nil }
        guard code & 2 != 0 else { return (nil, nil) }
        return (nil, Price(raw: 1 << Int64((code >> 2) & 63)))
    }

    /// A non-zero code that names the band `(fallingTo, risingTo)` of market `m` exactly, for the
    /// bands `farBand` gives (none, or only a rising power of two), else nil. One-to-one: bit 0
    /// set, bit 1 whether there is a rising trigger, bits 2–7 its exponent, bits 8–15 the market.
    /// Invariant (only `rearm` changes a trigger index, and it keeps this): an account's
    /// `armedBand`, when non-zero, is the code of the band market `m`'s index holds for it.
    static func armedCode(_ band: (fallingTo: Price?, risingTo: Price?), market m: Int) -> UInt16? {
        guard band.fallingTo == nil, m < 256 else { return nil }
        guard let rising = band.risingTo else { return 1 | UInt16(m) << 8 }
        guard rising.raw > 0, rising.raw & (rising.raw - 1) == 0 else { return nil }
        return 1 | 2 | UInt16(rising.raw.trailingZeroBitCount) << 2 | UInt16(m) << 8
    }

    /// The band the index keeps: `band`, clamped, found the cheap way when it can be.
    func storedBand(qty: Quantity, cash: Money, market m: Int, inCall: Bool) -> (fallingTo: Price?, risingTo: Price?) {
        if !inCall, let far = farBand(qty: qty, cash: cash, market: m) { return far }
        return Self.clamped(band(qty: qty, cash: cash, market: m, inCall: inCall), mark: markets[m].mark)
    }

    /// `band` with its far triggers pulled in to a fixed octave of the current mark: a rising
    /// trigger at or beyond the first power of two ≥ 2·mark is stored as that power, a falling
    /// one at or below the last power of two ≤ mark/2 as that power. Still safe (the index only
    /// ever wakes earlier, and a woken account is assessed exactly and re-armed around the new
    /// mark; an early wake derives nothing), and it makes the stored band of a well-margined
    /// account stop moving with its every trade, so `update` finds it unchanged and leaves the
    /// B+ trees alone. Replay bench (100k
    /// accounts): rearm went from 47% of replay samples to 25%, replay 337k → 600k events/s.
    static func clamped(_ band: (fallingTo: Price?, risingTo: Price?), mark: Price?) -> (fallingTo: Price?, risingTo: Price?) {
        guard let mark, mark.raw > 1, mark.raw <= Int64.max / 4 else { return band }
        let far = farOctaves(mark.raw)
        var band = band
        if let rising = band.risingTo, rising.raw >= far.above { band.risingTo = Price(raw: far.above) }
        if let falling = band.fallingTo, falling.raw <= far.below { band.fallingTo = Price(raw: far.below) }
        return band
    }

    /// The clamped band of a healthy, well-margined single-market account, when it can be told
    /// without solving `trigger`'s equations (ten Int128 divisions per side): nil when unsure,
    /// and then the caller solves them. Equal to `clamped(band(…))` whenever it answers:
    /// - a long with cash ≥ 0 and every factored mmr ≤ 1 has no positive solution at all;
    /// - a short with cash > 0 has every solution ≥ cash / (|q|·(1 + max factored mmr)) (maint
    ///   amounts only raise them), so when that bound is beyond the far octave plus the rounding
    ///   margin, `trigger` would answer something `clamped` pulls in to the octave.
    /// Replay bench: `trigger` went from 13% of replay samples to none (this is 3%), rearm to
    /// 12%; replay 600k → 750–810k events/s per CPU second.
    func farBand(qty: Quantity, cash: Money, market m: Int) -> (fallingTo: Price?, risingTo: Price?)? {
        markets.withUnsafeBufferPointer { Self.farBand(qty: qty, cash: cash, in: $0, market: m, callBuffer: globalParams.callBuffer) }
    }

    /// `farBand(qty:cash:market:)` over the markets' buffer (static: see `marginTotals(in:…)`).
    static func farBand(qty: Quantity, cash: Money, in markets: UnsafeBufferPointer<MarketState>, market m: Int,
                        callBuffer: Rate) -> (fallingTo: Price?, risingTo: Price?)? {
        guard cash.raw >= 0, let mark = markets[m].mark, mark.raw > 1, mark.raw <= Int64.max / 4 else { return nil }
        // The tiers' bound is kept per market (`MarketState.farBound`): working it out here
        // was most of this function's time (a third of `rearm`'s in the replay bench).
        let bound: Int64?
        if let cached = markets[m].farBound, cached.callBuffer == callBuffer {
            bound = cached.mmrBound
        } else {
            bound = farMMRBound(tiers: markets[m].listing.tiers, callBuffer: callBuffer)
        }
        guard let mmrBound = bound else { return nil }   // ≥ every tier's roundUp(mmr × factor)
        if qty.isPositive {
            // roundUp(mmr × factor) ≤ 1 for every tier: the bound is one more, so ask for < 1.
            return mmrBound <= fixedScale ? (nil, nil) : nil
        }
        guard cash.raw > 0 else { return nil }
        let above = farOctaves(mark.raw).above
        let scale = Int128(fixedScale)
        let size = Int128(qty.magnitude.raw)
        // In raw units, every solution ≥ cash·10^16 / (|q|·(10^8 + mmrBound)) must reach
        // above + margin; and the bankruptcy price cash·10^8/|q| must fit a Price. As
        // margin = ⌊roundingMarginUnits/|q|⌋ + 1 (`roundingMargin`), (above + margin)·|q| is at
        // most above·|q| + roundingMarginUnits + |q|: asked of that bound, this answers nil in a
        // few more borderline cases (the caller then solves the band, the same one) and spares
        // a division (~15% of this function's time in `bench replay`).
        let reach = Int128(above) * size + Int128(roundingMarginUnits) + size
        let need = reach.multipliedReportingOverflow(by: scale + Int128(mmrBound))
        guard !need.overflow, Int128(cash.raw) * scale * scale >= need.partialValue,
              Int128(cash.raw) * scale <= Int128(Int64.max) * size else { return nil }
        return (nil, Price(raw: above))
    }

    /// A bound ≥ every tier's roundUp(mmr × (1 + callBuffer)), in raw rate units, or nil
    /// when a tier rules the cheap band out (a negative maintenance amount, or an overflow).
    static func farMMRBound(tiers: [Tier], callBuffer: Rate) -> Int64? {
        let factor = (Rate.one + callBuffer).raw
        var mmrBound: Int64 = 0
        for tier in tiers {
            guard tier.maintAmount.raw >= 0 else { return nil }
            let product = tier.mmr.raw.multipliedReportingOverflow(by: factor)
            guard !product.overflow, product.partialValue >= 0 else { return nil }
            mmrBound = max(mmrBound, product.partialValue / fixedScale + 1)
        }
        return mmrBound
    }

    /// Sets every market's `farBound` for the global `callBuffer`: on listing, on a global
    /// parameter change and on loading a snapshot.
    mutating func refreshFarBounds() {
        for m in markets.indices {
            markets[m].farBound = FarBound(callBuffer: globalParams.callBuffer,
                                           mmrBound: Self.farMMRBound(tiers: markets[m].listing.tiers, callBuffer: globalParams.callBuffer))
        }
    }

    /// The first power of two ≥ 2·mark and the last ≤ mark/2 (mark in 2...Int64.max/4).
    @inline(__always)
    static func farOctaves(_ mark: Int64) -> (below: Int64, above: Int64) {
        let twice = UInt64(mark) * 2
        let above = Int64(1) << (64 - (twice - 1).leadingZeroBitCount)
        let below = Int64(1) << (63 - UInt64(mark / 2).leadingZeroBitCount)
        return (below, above)
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
        // Towards the mark at which the event happens first: a long's trigger is the highest
        // candidate, a short's the lowest; leaving a zone is the reverse. Kept on the fly rather
        // than in a candidates array: one allocation less per trade side.
        let wakeHigh = qty.isPositive != towardsSafety
        var chosen: Price?
        func consider(_ candidate: Price?) {
            guard let candidate else { return }
            guard let best = chosen else { chosen = candidate; return }
            chosen = (wakeHigh ? candidate > best : candidate < best) ? candidate : best
        }
        consider(LiquidationPrice.bankruptcy(qty: qty, cashPlusOtherValue: cash))
        for tier in markets[m].tiers {
            let mmr = Rate(raw: FixedMath.mulDivRoundingUp(tier.mmr.raw, factor.raw, fixedScale))
            let maint = tier.maintAmount.times(factor, rounding: .down)
            consider(LiquidationPrice.liquidation(qty: qty, cashPlusOtherValue: cash, otherMM: .zero, mmr: mmr, maintAmount: maint))
        }
        guard let chosen else { return nil }
        let margin = Self.roundingMargin(qty)
        let raw = wakeHigh ? chosen.raw.addingReportingOverflow(margin) : chosen.raw.subtractingReportingOverflow(margin)
        guard !raw.overflow else { return wakeHigh ? Price(raw: .max) : nil }
        return raw.partialValue > 0 ? Price(raw: raw.partialValue) : Price(raw: 1)
    }

    /// What `trigger` moves its answer by to cover the 8-decimal rounding of value and MM.
    static func roundingMargin(_ qty: Quantity) -> Int64 {
        Int64(roundingMarginUnits / max(qty.magnitude.raw, 1)) + 1
    }

    /// `roundingMargin`'s numerator: the margin in raw price units times |q| in raw units.
    static let roundingMarginUnits: Int64 = 600_000_000

    /// The holders of market `m` whose band `mark` crosses, in account order.
    /// Mutating though it changes nothing, so that the index is read in place under the
    /// exclusive access: read through the array's getter or its buffer, `markets[m].triggers`
    /// was copied (a retain and release of each of its arrays) on every oracle price (~2% of
    /// the applying thread in `bench replay`).
    @inline(__always)
    mutating func crossedHolders(market m: Int, mark: Price) -> [Int] {
        let hits = markets[m].triggers.crossedInPlace(by: mark)
        guard !hits.fell.isEmpty || !hits.rose.isEmpty else { return [] }
        var accounts = (hits.fell + hits.rose).map(Int.init)
        accounts.sort()
        return accounts.enumerated().compactMap { offset, index in offset > 0 && accounts[offset - 1] == index ? nil : index }
    }
}
