// Range checks (SPEC §2): arithmetic on money, prices and quantities traps on overflow, and a
// trap in the writer stops the service, so `check` refuses any input whose application could
// take a figure out of `Int64`: `out_of_range`, nothing logged, nothing changed. The figures are
// computed here exactly, in `Int128` or with overflow-reporting arithmetic, never by the
// trapping operators they guard. docs/LEDGER.md "Range checks" gives the bounds and why.

/// The bounds the range checks keep every figure within. Powers of two, far beyond any real
/// market (2^60 raw is 11.5 billion units) and chosen so that the sums the margin arithmetic
/// forms from bounded parts fit `Int64` (2^63) with room to spare:
/// `|cash| + |Σ value| + IM + |Σ uPnL|` ≤ 2^61 + 2^60 + 2^60 + (2^60 + 2^60) = 6 · 2^60 < 2^63.
enum RangeLimits {
    /// A trade, oracle or bid price, and a tick size.
    static let maxPriceRaw: Int64 = 1 << 61
    /// Σ over markets of long open interest × mark: bounds every position's value and notional,
    /// every account's Σ |value|, and so MM and IM (rates ≤ 1). Also a trade's and a bid's
    /// qty × price, a fee, a tier's notionalCap and maintAmount, and the money parameters.
    static let maxExposureRaw: Int64 = 1 << 60
    /// One market's long open interest (so every position), and a lot size.
    static let maxOpenInterestRaw: Int64 = 1 << 61
    /// |cash| of an account that holds, or by this input would hold, a position. An account with
    /// no position may hold up to `Int64.max` (only its lifetime totals bound it).
    static let maxHolderCashRaw: Int64 = 1 << 61
    /// A record time and every duration parameter (ms): `time + callGrace` and the like must fit.
    /// 2^53 ms is some 285,000 years after 1970.
    static let maxTimeMs: Int64 = 1 << 53
}

extension Ledger {
    /// A refusal by a range check: `out_of_range`, naming the field.
    static func outOfRange(_ field: String, _ message: String) -> InputError {
        InputError(code: "out_of_range", field: field, message: message)
    }

    /// Refuses a record time beyond `RangeLimits.maxTimeMs` (deadlines are time + a duration).
    static func checkTimeRange(_ time: TimeMs) throws(InputError) {
        guard time.rawValue <= RangeLimits.maxTimeMs else {
            throw outOfRange("time", "time \(time) is beyond the largest time \(RangeLimits.maxTimeMs) ms")
        }
    }

    // MARK: Cash in and out

    func checkDepositRange(_ p: Deposit) throws(InputError) {
        let index = accounts.index(of: p.account)
        try checkCredit(p.amount, to: index, named: "\(p.account)")
    }

    func checkInsuranceDepositRange(_ p: InsuranceDeposit) throws(InputError) {
        try checkCredit(p.amount, to: Self.insuranceIndex, named: "insurance")
    }

    /// `cash + amount` and `totalDeposited + amount` must fit; an account holding a position
    /// must stay within the holders' cash bound.
    private func checkCredit(_ amount: Money, to index: Int?, named name: String) throws(InputError) {
        let cash = index.map { accounts.states[$0].cash } ?? .zero
        let (after, overflow) = cash.raw.addingReportingOverflow(amount.raw)
        guard !overflow else {
            throw Self.outOfRange("amount", "\(amount) would take the cash of \(name) to \(Self.text(Int128(cash.raw) + Int128(amount.raw))), beyond the largest balance \(Money(raw: .max))")
        }
        if let index, accounts.states[index].openPositions > 0, after > RangeLimits.maxHolderCashRaw {
            throw Self.outOfRange("amount", "\(amount) would take the cash of \(name), which holds positions, to \(Money(raw: after)), beyond the holders' bound \(Money(raw: RangeLimits.maxHolderCashRaw))")
        }
        guard !totalDeposited.raw.addingReportingOverflow(amount.raw).overflow else {
            throw Self.outOfRange("amount", "\(amount) would take the lifetime deposits to \(Self.text(Int128(totalDeposited.raw) + Int128(amount.raw))), beyond \(Money(raw: .max))")
        }
    }

    /// A withdrawal is applied only when `amount <= available`, which keeps `cash − amount` and
    /// `totalWithdrawn + amount` in range for any state the other checks allow; refused only if
    /// one would still overflow and the withdrawal would be accepted (so a withdrawal that was
    /// logged as rejected is still logged as rejected). `available` is computed only then.
    func checkWithdrawalRange(_ p: Withdrawal) throws(InputError) {
        guard let index = accounts.index(of: p.account) else { return }
        let cash = accounts.states[index].cash
        let cashOverflows = cash.raw.subtractingReportingOverflow(p.amount.raw).overflow
        let totalOverflows = totalWithdrawn.raw.addingReportingOverflow(p.amount.raw).overflow
        guard cashOverflows || totalOverflows else { return }
        guard !accounts.states[index].isLiquidating, p.amount <= marginTotals(account: index, cash: cash).available else { return }
        throw Self.outOfRange("amount", "\(p.amount) would take \(cashOverflows ? "the cash of \(p.account)" : "the lifetime withdrawals") beyond \(Money(raw: .max))")
    }

    // MARK: Prices and exposure

    static func checkPrice(_ price: Price, field: String) throws(InputError) {
        guard price.raw <= RangeLimits.maxPriceRaw else {
            throw outOfRange(field, "\(price) is beyond the largest price \(Price(raw: RangeLimits.maxPriceRaw))")
        }
    }

    /// Σ over markets of ⌈longOpenInterest × mark / 10^8⌉, exact, with market `m` taken at
    /// `longOpenInterest` and `mark` instead of its own.
    func exposure(market m: Int, longOpenInterest: Int128, mark: Price) -> Int128 {
        var total = Self.ceilValue(longOpenInterest, Int128(mark.raw))
        for other in markets.indices where other != m {
            guard markets[other].longOpenInterest.isPositive, let mark = markets[other].mark else { continue }
            total += Self.ceilValue(Int128(markets[other].longOpenInterest.raw), Int128(mark.raw))
        }
        return total
    }

    /// With positions held, an oracle price must be within the price bound (auction prices are
    /// the mark × up to 2) and the exposure at it (every held position's value, every account's
    /// Σ value) within its bound. With none, any price is taken, as before: a trade is then
    /// refused while the mark is beyond the price bound (`checkTradeRange`).
    func checkOracleRange(_ p: OraclePrice, market m: Int) throws(InputError) {
        let open = markets[m].longOpenInterest
        guard open.isPositive else { return }
        try Self.checkPrice(p.price, field: "price")
        let total = exposure(market: m, longOpenInterest: Int128(open.raw), mark: p.price)
        guard total <= Int128(RangeLimits.maxExposureRaw) else {
            throw Self.outOfRange("price", "at \(p.price) the open interest \(open) of \(p.market) would take the exposure (Σ open interest × mark) to \(Self.text(total)), beyond \(Money(raw: RangeLimits.maxExposureRaw))")
        }
    }

    // MARK: Funding

    /// Every holder pays or receives `position × mark × rate` (|rate| ≤ 1, so each payment is at
    /// most the position's notional, which the exposure bound keeps in range); its cash after
    /// must stay within the holders' bound. O(holders), like the funding itself.
    func checkFundingRange(_ p: Funding, market m: Int) throws(InputError) {
        guard let mark = markets[m].mark, markets[m].holders > 0, !p.rate.isZero else { return }
        let scale = Int128(fixedScale) * Int128(fixedScale)
        for (index, cell) in markets[m].cells.enumerated() where !cell.qty.isZero {
            let exact = Int128(cell.qty.raw) * Int128(mark.raw) * Int128(p.rate.raw)
            let payment = Self.ceilDiv(exact, scale)
            let after = Int128(accounts.states[index].cash.raw) - payment
            guard after.magnitude <= UInt128(RangeLimits.maxHolderCashRaw) else {
                throw Self.outOfRange("rate", "funding at \(p.rate) would take the cash of \(accounts.id(index)) to \(Self.text(after)), beyond the holders' bound \(Money(raw: RangeLimits.maxHolderCashRaw))")
            }
        }
    }

    // MARK: Exact helpers

    /// ⌈a × b / 10^8⌉ for a, b ≥ 0 (a value or notional rounded up).
    static func ceilValue(_ a: Int128, _ b: Int128) -> Int128 {
        ceilDiv(a * b, Int128(fixedScale))
    }

    /// ⌈n / d⌉ for d > 0.
    static func ceilDiv(_ n: Int128, _ d: Int128) -> Int128 {
        let (q, r) = n.quotientAndRemainder(dividingBy: d)
        return r > 0 ? q + 1 : q
    }

    /// ⌊n / d⌋ for d > 0.
    static func floorDiv(_ n: Int128, _ d: Int128) -> Int128 {
        let (q, r) = n.quotientAndRemainder(dividingBy: d)
        return r < 0 ? q - 1 : q
    }

    /// Decimal text of a raw figure that may not fit `Int64` (for messages).
    static func text(_ raw: Int128) -> String {
        if let small = Int64(exactly: raw) { return DecimalText.format(small) }
        let (whole, fraction) = raw.magnitude.quotientAndRemainder(dividingBy: UInt128(fixedScale))
        var digits = String(whole)
        if fraction != 0 {
            var tail = String(fraction)
            tail = String(repeating: "0", count: fixedFractionDigits - tail.count) + tail
            while tail.hasSuffix("0") { tail.removeLast() }
            digits += "." + tail
        }
        return raw < 0 ? "-" + digits : digits
    }
}
