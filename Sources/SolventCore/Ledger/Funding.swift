// Funding (SPEC §4): every position pays position × mark × rate (longs pay when rate > 0).
// Payers round up, receivers round down; the difference goes to `insurance`. Σ positions = 0,
// so Σ exact payments = 0 and the dust is never negative.

extension Ledger {
    mutating func applyFunding(_ p: Funding, market known: Int? = nil) {
        guard let m = known ?? marketIndexByID[p.market] else { preconditionFailure("funding for unknown market \(p.market)") }
        // No mark means no position was ever opened here: nothing to pay.
        guard let mark = markets[m].mark, markets[m].holders > 0, !p.rate.isZero else { return }
        var paid = Money.zero
        var received = Money.zero
        var states = accounts.states
        accounts.states = []  // keep `states` uniquely referenced while it is mutated
        markets[m].cells.withUnsafeBufferPointer { cells in
            for index in cells.indices where !cells[index].qty.isZero {
                let payment = Self.fundingPayment(qty: cells[index].qty, mark: mark, rate: p.rate)
                states[index].cash -= payment
                if payment.isPositive { paid += payment } else { received -= payment }
            }
        }
        let dust = paid - received
        precondition(!dust.isNegative, "funding dust \(dust) is negative")
        states[Self.insuranceIndex].cash += dust
        accounts.states = states
        for index in markets[m].cells.indices where !markets[m].cells[index].qty.isZero { touchADL(index) }
    }

    /// Signed payment `q × mark × rate`, exact through `Int128`: positive (a payment) rounded up,
    /// negative (a receipt) rounded down in magnitude. Traps on overflow. Inlined with
    /// `fundingPaymentIn64Bits` into the walk over holders, so that the split of the mark,
    /// the same for every holder, is made once per funding rather than per holder.
    @inline(__always)
    static func fundingPayment(qty: Quantity, mark: Price, rate: Rate) -> Money {
        if let payment = fundingPaymentIn64Bits(qty: qty.raw, mark: mark.raw, rate: rate.raw) { return Money(raw: payment) }
        let scale = Int128(fixedScale) * Int128(fixedScale)
        let (value, overflow) = (Int128(qty.raw) * Int128(mark.raw)).multipliedReportingOverflow(by: Int128(rate.raw))
        precondition(!overflow, "funding payment overflows")
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: scale)
        // Payments (value > 0) round up; receipts (value < 0) round towards zero, i.e. also up.
        let rounded = remainder > 0 ? quotient + 1 : quotient
        return Money(raw: Int64(rounded))
    }

    /// `fundingPayment`'s ⌈q·mark·rate / 10^16⌉ (raw units) with 64-bit products and floor
    /// divisions by the constant 10^8 only, nil when a step would not fit `Int64` (then the
    /// Int128 form answers, the same). The Int128 division (`__divti3`) was ~2% of the replay
    /// bench, whose funding walks 100k holders. With floor splits v = high·10^8 + low:
    /// mark = w·10^8 + p and q·p = c·10^8 + l give q·mark = n·10^8 + l (n = q·w + c); then
    /// n·rate = P·10^8 + Q gives q·mark·rate = P·10^16 + (Q·10^8 + l·rate), so the payment is
    /// P + ⌈(Q·10^8 + l·rate) / 10^16⌉. Fits for positions whose notional × |raw rate| stays
    /// below ~9·10^18 (at a 0.01% rate, notionals up to ~9·10^6 units).
    @inline(__always)
    static func fundingPaymentIn64Bits(qty q: Int64, mark: Int64, rate: Int64) -> Int64? {
        let (w, p) = floorSplit(mark)
        guard case (let qp, false) = q.multipliedReportingOverflow(by: p),
              case (let qw, false) = q.multipliedReportingOverflow(by: w) else { return nil }
        let (c, l) = floorSplit(qp)
        guard case (let n, false) = qw.addingReportingOverflow(c),
              case (let nRate, false) = n.multipliedReportingOverflow(by: rate),
              case (let lRate, false) = l.multipliedReportingOverflow(by: rate) else { return nil }
        let (whole, q8) = floorSplit(nRate)
        // |Q·10^8| < 10^16 and |l·rate| fits: their sum fits unless it overflows, checked.
        guard case (let rest, false) = (q8 * fixedScale).addingReportingOverflow(lRate),
              case (let payment, false) = whole.addingReportingOverflow(FixedMath.mulDivRoundingUp(rest, 1, fixedScale * fixedScale))
        else { return nil }
        return payment
    }

    /// `v = high·10^8 + low` with `0 ≤ low < 10^8` (floor division by a constant).
    @inline(__always)
    private static func floorSplit(_ v: Int64) -> (high: Int64, low: Int64) {
        let high = FixedMath.mulDivRoundingDown(v, 1, fixedScale)
        return (high, v &- high &* fixedScale)
    }
}
