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
    }

    /// Signed payment `q × mark × rate`, exact through `Int128`: positive (a payment) rounded up,
    /// negative (a receipt) rounded down in magnitude. Traps on overflow.
    static func fundingPayment(qty: Quantity, mark: Price, rate: Rate) -> Money {
        let scale = Int128(fixedScale) * Int128(fixedScale)
        let (value, overflow) = (Int128(qty.raw) * Int128(mark.raw)).multipliedReportingOverflow(by: Int128(rate.raw))
        precondition(!overflow, "funding payment overflows")
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: scale)
        // Payments (value > 0) round up; receipts (value < 0) round towards zero, i.e. also up.
        let rounded = remainder > 0 ? quotient + 1 : quotient
        return Money(raw: Int64(rounded))
    }
}
