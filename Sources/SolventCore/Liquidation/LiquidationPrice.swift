// Liquidation and bankruptcy prices of one position, others held fixed (SPEC §3).
//
// Binance USDⓈ-M one-way mode: LP = (cash + V_other − MM_other + maintAmount) / (|q|·mmr − q),
// where cash = walletBalance − Σ q·entryPrice, so cash + V_other is Binance's
// WB − TMM1 + UPNL1 − q·EP1 once TMM1 is moved out. Bankruptcy: the P with equity = 0,
// P = −(cash + V_other) / q. Both are solved exactly in Int128 and rounded towards the side where
// the event happens earlier (the system's favour): up for a long (it is hit as the price falls),
// down for a short. `nil` when no positive price exists or it does not fit a Price.

public enum LiquidationPrice {
    /// Mark at which equity = MM for a position of `qty` in a tier (`mmr`, `maintAmount`),
    /// given the account's cash plus other positions' value and the other positions' MM.
    public static func liquidation(qty: Quantity, cashPlusOtherValue: Money, otherMM: Money, mmr: Rate, maintAmount: Money) -> Price? {
        guard !qty.isZero else { return nil }
        let scale = Int128(fixedScale)
        // In raw units: P = C·10^16 / (|q|·mmr − q·10^8).
        let numerator = (Int128(cashPlusOtherValue.raw) - Int128(otherMM.raw) + Int128(maintAmount.raw)) * scale * scale
        let denominator = Int128(qty.magnitude.raw) * Int128(mmr.raw) - Int128(qty.raw) * scale
        return positivePrice(numerator, denominator, roundUp: qty.isPositive)
    }

    /// Mark at which equity = 0.
    public static func bankruptcy(qty: Quantity, cashPlusOtherValue: Money) -> Price? {
        guard !qty.isZero else { return nil }
        // In raw units: P = −C·10^8 / q.
        let numerator = -Int128(cashPlusOtherValue.raw) * Int128(fixedScale)
        return positivePrice(numerator, Int128(qty.raw), roundUp: qty.isPositive)
    }

    /// `numerator / denominator` rounded up or down, if positive and representable.
    static func positivePrice(_ numerator: Int128, _ denominator: Int128, roundUp: Bool) -> Price? {
        guard denominator != 0 else { return nil }
        let (n, d) = denominator < 0 ? (-numerator, -denominator) : (numerator, denominator)
        guard n > 0 else { return nil }
        let (quotient, remainder) = n.quotientAndRemainder(dividingBy: d)
        let rounded = roundUp && remainder != 0 ? quotient + 1 : quotient
        guard rounded > 0, rounded <= Int128(Int64.max) else { return nil }
        return Price(raw: Int64(rounded))
    }
}
