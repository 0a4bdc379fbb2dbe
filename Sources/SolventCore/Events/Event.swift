/// Every kind of record in the log (SPEC §4). The raw value is the kind byte of the canonical
/// encoding (docs/FORMAT.md): never renumber, only add.
public enum EventKind: UInt8, CaseIterable, Sendable {
    // Inputs.
    case marketListed = 1
    case paramsSet = 2
    case deposit = 3
    case withdrawal = 4
    case trade = 5
    case oraclePrice = 6
    case funding = 7
    case clock = 8
    case auctionBid = 9
    case insuranceDeposit = 10
    // Derived.
    case withdrawalAccepted = 32
    case withdrawalRejected = 33
    case tradeRejected = 34
    case marginCall = 35
    case marginCallCleared = 36
    case liquidationStarted = 37
    case liquidationDeferred = 38
    case auctionStarted = 39
    case auctionFill = 40
    case auctionReset = 41
    case auctionEnded = 42
    case insuranceAbsorbed = 43
    case adl = 44
    case liquidationFinished = 45
    case oracleRejected = 46
    case marketHalted = 47
    case marketResumed = 48
    case auctionBidRejected = 49
    case stateRoot = 50
    case badDebt = 51
    case insuranceDeleveraged = 52

    /// The name used in JSON and on the command line.
    public var name: String {
        switch self {
        case .marketListed: "market.listed"
        case .paramsSet: "params.set"
        case .deposit: "deposit"
        case .withdrawal: "withdrawal"
        case .trade: "trade"
        case .oraclePrice: "oracle.price"
        case .funding: "funding"
        case .clock: "clock"
        case .auctionBid: "auction.bid"
        case .insuranceDeposit: "insurance.deposit"
        case .withdrawalAccepted: "withdrawal.accepted"
        case .withdrawalRejected: "withdrawal.rejected"
        case .tradeRejected: "trade.rejected"
        case .marginCall: "margin.call"
        case .marginCallCleared: "margin.call.cleared"
        case .liquidationStarted: "liquidation.started"
        case .liquidationDeferred: "liquidation.deferred"
        case .auctionStarted: "auction.started"
        case .auctionFill: "auction.fill"
        case .auctionReset: "auction.reset"
        case .auctionEnded: "auction.ended"
        case .insuranceAbsorbed: "insurance.absorbed"
        case .adl: "adl"
        case .liquidationFinished: "liquidation.finished"
        case .oracleRejected: "oracle.rejected"
        case .marketHalted: "market.halted"
        case .marketResumed: "market.resumed"
        case .auctionBidRejected: "auction.bid.rejected"
        case .stateRoot: "state.root"
        case .badDebt: "bad_debt"
        case .insuranceDeleveraged: "insurance.deleveraged"
        }
    }

    /// Inputs are sent by clients; the rest only the engine appends.
    public var isInput: Bool { rawValue < 32 }

    public init?(name: String) {
        guard let kind = Self.byName[name] else { return nil }
        self = kind
    }

    private static let byName: [String: EventKind] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Whether `pattern` (`deposit`, `liquidation.*`, `*`) selects this kind.
    public func matches(pattern: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") { return name.hasPrefix(String(pattern.dropLast(1))) || name == String(pattern.dropLast(2)) }
        return name == pattern
    }
}

/// A typed event: its kind and payload.
public enum Event: Equatable, Sendable {
    case marketListed(MarketListed)
    // Indirect: ParamsSet (~300 bytes of optionals) would make every Event that big, and events
    // are moved several times per replayed record (Event 297 -> 113 bytes).
    indirect case paramsSet(ParamsSet)
    case deposit(Deposit)
    case withdrawal(Withdrawal)
    case trade(Trade)
    case oraclePrice(OraclePrice)
    case funding(Funding)
    case clock(Clock)
    case auctionBid(AuctionBid)
    case insuranceDeposit(InsuranceDeposit)
    case withdrawalAccepted(WithdrawalAccepted)
    case withdrawalRejected(WithdrawalRejected)
    case tradeRejected(TradeRejected)
    case marginCall(MarginCall)
    case marginCallCleared(MarginCallCleared)
    case liquidationStarted(LiquidationStarted)
    case liquidationDeferred(LiquidationDeferred)
    case auctionStarted(AuctionStarted)
    case auctionFill(AuctionFill)
    case auctionReset(AuctionReset)
    case auctionEnded(AuctionEnded)
    case insuranceAbsorbed(InsuranceAbsorbed)
    case adl(ADL)
    case liquidationFinished(LiquidationFinished)
    case oracleRejected(OracleRejected)
    case marketHalted(MarketHalted)
    case marketResumed(MarketResumed)
    case auctionBidRejected(AuctionBidRejected)
    case stateRoot(StateRoot)
    case badDebt(BadDebt)
    case insuranceDeleveraged(InsuranceDeleveraged)
}
