// Derived records of rules 2's solvency rules (SPEC §5.7, docs/LIQUIDATION.md "The fund as a
// margined account"): the fund's own deleveraging, and a loss nothing could carry.

/// A loss that neither the insurance fund (out of its equity above its initial margin) nor ADL
/// could place: the account's negative equity, stated once, where it arose. Outside a running
/// liquidation, no account has negative equity without one of these (SPEC §5.10).
public struct BadDebt: Payload {
    /// The liquidation whose end left it.
    public var liquidation: Seq = 0
    public var account = AccountID.unset
    /// The market whose position was closed last: where the loss arose.
    public var market = MarketID.unset
    /// The uncovered part of the shortfall (positive).
    public var amount = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("market", &market)
        try c.field("amount", &amount)
    }
}

/// The fund at or below its maintenance margin (`fundMmr`) has its position in `market` closed by
/// ADL in the same event; the `adl` records that follow name this record's seq as their
/// `liquidation`. `price` is the mark while the fund's equity there is ≥ 0, else the fund's
/// bankruptcy price (the gap's loss goes to the counterparties, the fund keeps zero).
public struct InsuranceDeleveraged: Payload {
    public var market = MarketID.unset
    /// The fund's position before (signed).
    public var qty = Quantity.zero
    public var price = Price.zero
    /// The fund's equity and maintenance margin at the marks before.
    public var equity = Money.zero
    public var mm = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("qty", &qty)
        try c.field("price", &price)
        try c.field("equity", &equity)
        try c.field("mm", &mm)
    }
}
