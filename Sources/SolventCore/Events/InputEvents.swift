// Inputs (SPEC §4): what clients send. Each lists its fields once; `validate()` refuses values
// that are malformed whatever the state (non-positive amounts, negative fees). Rules that need
// the state (unknown market, off-tick price) are checked by the ledger.

/// One risk tier (Binance-style bracket) of a market: applies while notional ≤ `notionalCap`.
public struct Tier: Payload {
    public var notionalCap = Money.zero
    public var mmr = Rate.zero
    public var imr = Rate.zero
    public var maintAmount = Money.zero

    public init() {}
    public init(notionalCap: Money, mmr: Rate, imr: Rate, maintAmount: Money) {
        self.notionalCap = notionalCap
        self.mmr = mmr
        self.imr = imr
        self.maintAmount = maintAmount
    }

    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("notionalCap", &notionalCap)
        try c.field("mmr", &mmr)
        try c.field("imr", &imr)
        try c.field("maintAmount", &maintAmount)
    }
}

public struct MarketListed: Payload {
    public var market = MarketID.unset
    public var lotSize = Quantity.zero
    public var tickSize = Price.zero
    public var tiers: [Tier] = []

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("lotSize", &lotSize)
        try c.field("tickSize", &tickSize)
        try c.list("tiers", &tiers)
    }

    func validate() throws(InputError) {
        try requirePositive(lotSize, "lotSize")
        try requirePositive(tickSize, "tickSize")
        guard !tiers.isEmpty else { throw InputError(code: "bad_tiers", field: "tiers", message: "at least one tier is required") }
        for (index, tier) in tiers.enumerated() {
            let field = "tiers[\(index)]"
            try requirePositive(tier.notionalCap, field + ".notionalCap")
            try requirePositive(tier.mmr, field + ".mmr")
            guard tier.imr >= tier.mmr, tier.imr <= Rate.one else {
                throw InputError(code: "bad_tiers", field: field + ".imr", message: "must be at least mmr and at most 1")
            }
            guard tier.maintAmount >= .zero else {
                throw InputError(code: "bad_tiers", field: field + ".maintAmount", message: "must not be negative")
            }
            if index > 0, tier.notionalCap <= tiers[index - 1].notionalCap {
                throw InputError(code: "bad_tiers", field: field + ".notionalCap", message: "tiers must be sorted by increasing notionalCap")
            }
        }
    }
}

public struct Deposit: Payload {
    public var account = AccountID.unset
    public var amount = Money.zero
    public var ref: Identifier?

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("amount", &amount)
        try c.field("ref", &ref)
    }
}

public struct Withdrawal: Payload {
    public var account = AccountID.unset
    public var amount = Money.zero
    public var ref: Identifier?

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("amount", &amount)
        try c.field("ref", &ref)
    }
}

public struct Trade: Payload {
    // No default values here: a struct's defaults run in every initialiser, and the member-wise
    // one below (the replay decoder's, per trade) would fetch the placeholder ids for nothing.
    public var market: MarketID
    public var buyer: AccountID
    public var seller: AccountID
    public var qty: Quantity
    public var price: Price
    /// Fee charged to the buyer, in quote currency, paid to `fees`.
    public var buyerFee: Money?
    public var sellerFee: Money?
    public var ref: Identifier?

    public init() {
        self.init(market: .unset, buyer: .unset, seller: .unset, qty: .zero, price: .zero, buyerFee: nil, sellerFee: nil, ref: nil)
    }

    /// Every field at once (the replay decoder's fast path, `ResolvingFieldReader.trade()`).
    init(market: MarketID, buyer: AccountID, seller: AccountID, qty: Quantity, price: Price,
         buyerFee: Money?, sellerFee: Money?, ref: Identifier?) {
        self.market = market
        self.buyer = buyer
        self.seller = seller
        self.qty = qty
        self.price = price
        self.buyerFee = buyerFee
        self.sellerFee = sellerFee
        self.ref = ref
    }

    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("buyer", &buyer)
        try c.field("seller", &seller)
        try c.field("qty", &qty)
        try c.field("price", &price)
        try c.field("buyerFee", &buyerFee)
        try c.field("sellerFee", &sellerFee)
        try c.field("ref", &ref)
    }

    func validate() throws(InputError) {
        try requirePositive(qty, "qty")
        try requirePositive(price, "price")
        // Two plain checks, not a loop over a literal array: that array was an allocation per
        // replayed trade.
        try requireNonNegativeFee(buyerFee, "buyerFee")
        try requireNonNegativeFee(sellerFee, "sellerFee")
        guard buyer != seller else {
            throw InputError(code: "self_trade", field: "seller", message: "buyer and seller are the same account")
        }
    }
}

public struct OraclePrice: Payload {
    public var market = MarketID.unset
    public var price = Price.zero
    /// When the oracle published the price (Unix ms); may lag the record's time.
    public var publishTime: TimeMs = 0

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("price", &price)
        try c.field("publishTime", &publishTime)
    }
}

public struct Funding: Payload {
    public var market = MarketID.unset
    /// Positive: longs pay shorts.
    public var rate = Rate.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("rate", &rate)
    }
}

public struct Clock: Payload {
    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {}
}

public struct AuctionBid: Payload {
    public var auction: Seq = 0
    public var bidder = AccountID.unset
    public var qty = Quantity.zero
    public var limitPrice = Price.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("bidder", &bidder)
        try c.field("qty", &qty)
        try c.field("limitPrice", &limitPrice)
    }
}

public struct InsuranceDeposit: Payload {
    public var amount = Money.zero
    public var ref: Identifier?

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("amount", &amount)
        try c.field("ref", &ref)
    }
}

func requireNonNegativeFee(_ fee: Money?, _ field: String) throws(InputError) {
    guard (fee ?? .zero) >= .zero else {
        throw InputError(code: "bad_amount", field: field, message: "must not be negative")
    }
}

func requirePositive<T: FixedPoint & FieldValue>(_ value: T, _ field: String) throws(InputError) {
    guard value.isPositive else {
        throw InputError(code: T.problemCode, field: field, message: "must be greater than 0")
    }
}
