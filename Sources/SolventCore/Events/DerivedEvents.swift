// Derived records (SPEC §4): appended by the engine in the same transaction as their cause.
// Each carries what a reader needs to understand it without the state.

public struct WithdrawalAccepted: Payload {
    public var account = AccountID.unset
    public var amount = Money.zero
    public var ref: Identifier?
    /// `available` before the withdrawal.
    public var available = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("amount", &amount)
        try c.field("ref", &ref)
        try c.field("available", &available)
    }
}

public struct WithdrawalRejected: Payload {
    public var account = AccountID.unset
    public var amount = Money.zero
    public var ref: Identifier?
    public var reason = ""
    public var available = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("amount", &amount)
        try c.field("ref", &ref)
        try c.field("reason", &reason)
        try c.field("available", &available)
    }
}

public struct TradeRejected: Payload {
    public var account = AccountID.unset
    public var reason = ""
    public var ref: Identifier?

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("reason", &reason)
        try c.field("ref", &ref)
    }
}

public struct MarginCall: Payload {
    public var account = AccountID.unset
    public var equity = Money.zero
    public var mm = Money.zero
    public var deadline: TimeMs?

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("equity", &equity)
        try c.field("mm", &mm)
        try c.field("deadline", &deadline)
    }
}

public struct MarginCallCleared: Payload {
    public var account = AccountID.unset
    public var equity = Money.zero
    public var mm = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("equity", &equity)
        try c.field("mm", &mm)
    }
}

/// Why a liquidation started (SPEC §5.1–5.2).
public enum LiquidationTrigger: String, CaseIterable, Sendable, FieldValue {
    case maintenance
    case marginCallExpired = "margin_call_expired"
}

/// One position as the engine saw it when deciding.
public struct PositionView: Payload {
    public var market = MarketID.unset
    public var qty = Quantity.zero
    public var mark = Price.zero
    /// Index of the risk tier in force (0-based).
    public var tier: Int64 = 0
    public var value = Money.zero
    public var mm = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("qty", &qty)
        try c.field("mark", &mark)
        try c.field("tier", &tier)
        try c.field("value", &value)
        try c.field("mm", &mm)
    }
}

public struct LiquidationStarted: Payload {
    /// The liquidation id: this record's own seq.
    public var liquidation: Seq = 0
    public var account = AccountID.unset
    public var trigger = LiquidationTrigger.maintenance
    public var equity = Money.zero
    public var mm = Money.zero
    public var im = Money.zero
    public var paramsVersion: Seq = 0
    public var positions: [PositionView] = []
    /// The market whose position is being reduced, and the signed quantity to close.
    public var market = MarketID.unset
    public var qty = Quantity.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("trigger", &trigger)
        try c.field("equity", &equity)
        try c.field("mm", &mm)
        try c.field("im", &im)
        try c.field("paramsVersion", &paramsVersion)
        try c.list("positions", &positions)
        try c.field("market", &market)
        try c.field("qty", &qty)
    }
}

public struct LiquidationDeferred: Payload {
    public var account = AccountID.unset
    public var market = MarketID.unset
    public var reason = ""

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("market", &market)
        try c.field("reason", &reason)
    }
}

public struct AuctionStarted: Payload {
    /// The auction id: this record's own seq.
    public var auction: Seq = 0
    public var liquidation: Seq = 0
    public var account = AccountID.unset
    public var market = MarketID.unset
    /// Signed quantity the auction closes for the account (negative: the engine sells a long).
    public var qty = Quantity.zero
    public var startPrice = Price.zero
    public var bankruptcyPrice: Price?
    public var curve = AuctionCurve.stairstep

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("market", &market)
        try c.field("qty", &qty)
        try c.field("startPrice", &startPrice)
        try c.field("bankruptcyPrice", &bankruptcyPrice)
        try c.field("curve", &curve)
    }
}

public struct AuctionFill: Payload {
    public var auction: Seq = 0
    public var liquidation: Seq = 0
    public var bidder = AccountID.unset
    public var qty = Quantity.zero
    public var price = Price.zero
    public var penalty = Money.zero
    public var remaining = Quantity.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("liquidation", &liquidation)
        try c.field("bidder", &bidder)
        try c.field("qty", &qty)
        try c.field("price", &price)
        try c.field("penalty", &penalty)
        try c.field("remaining", &remaining)
    }
}

public struct AuctionReset: Payload {
    public var auction: Seq = 0
    public var startPrice = Price.zero
    public var reason = ""

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("startPrice", &startPrice)
        try c.field("reason", &reason)
    }
}

public struct AuctionEnded: Payload {
    public var auction: Seq = 0
    public var reason = ""
    public var remaining = Quantity.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("reason", &reason)
        try c.field("remaining", &remaining)
    }
}

public struct InsuranceAbsorbed: Payload {
    public var liquidation: Seq = 0
    public var account = AccountID.unset
    public var amount = Money.zero
    public var fundAfter = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("amount", &amount)
        try c.field("fundAfter", &fundAfter)
    }
}

public struct ADL: Payload {
    public var liquidation: Seq = 0
    /// The counterparty whose position is reduced.
    public var account = AccountID.unset
    public var market = MarketID.unset
    public var qty = Quantity.zero
    public var price = Price.zero
    public var rankScore = Rate.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("market", &market)
        try c.field("qty", &qty)
        try c.field("price", &price)
        try c.field("rankScore", &rankScore)
    }
}

public struct LiquidationFinished: Payload {
    public var liquidation: Seq = 0
    public var account = AccountID.unset
    public var closedQty = Quantity.zero
    public var penaltyPaid = Money.zero
    public var shortfall = Money.zero
    public var insurancePaid = Money.zero
    public var adlQty = Quantity.zero
    public var equityAfter = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("liquidation", &liquidation)
        try c.field("account", &account)
        try c.field("closedQty", &closedQty)
        try c.field("penaltyPaid", &penaltyPaid)
        try c.field("shortfall", &shortfall)
        try c.field("insurancePaid", &insurancePaid)
        try c.field("adlQty", &adlQty)
        try c.field("equityAfter", &equityAfter)
    }
}

public struct OracleRejected: Payload {
    public var market = MarketID.unset
    public var price = Price.zero
    public var lastPrice = Price.zero
    public var reason = ""

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("price", &price)
        try c.field("lastPrice", &lastPrice)
        try c.field("reason", &reason)
    }
}

public struct MarketHalted: Payload {
    public var market = MarketID.unset
    public var reason = ""
    public var lastPriceTime: TimeMs = 0

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("reason", &reason)
        try c.field("lastPriceTime", &lastPriceTime)
    }
}

public struct MarketResumed: Payload {
    public var market = MarketID.unset
    public var price = Price.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("price", &price)
    }
}

/// A well-formed bid that could not fill (limit, dust remainder, bidder margin): it happened, so
/// it is logged (SPEC §4), with the auction price it was judged against.
public struct AuctionBidRejected: Payload {
    public var auction: Seq = 0
    public var bidder = AccountID.unset
    public var reason = ""
    public var price = Price.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("auction", &auction)
        try c.field("bidder", &bidder)
        try c.field("reason", &reason)
        try c.field("price", &price)
    }
}
