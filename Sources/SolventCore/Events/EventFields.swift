// The two tables that tie `Event` cases to `EventKind`s and payload types. Adding a kind means a
// line in each switch here, a case in `Event`, and a row in docs/FORMAT.md.

extension Event {
    public var kind: EventKind {
        switch self {
        case .marketListed: .marketListed
        case .paramsSet: .paramsSet
        case .deposit: .deposit
        case .withdrawal: .withdrawal
        case .trade: .trade
        case .oraclePrice: .oraclePrice
        case .funding: .funding
        case .clock: .clock
        case .auctionBid: .auctionBid
        case .insuranceDeposit: .insuranceDeposit
        case .withdrawalAccepted: .withdrawalAccepted
        case .withdrawalRejected: .withdrawalRejected
        case .tradeRejected: .tradeRejected
        case .marginCall: .marginCall
        case .marginCallCleared: .marginCallCleared
        case .liquidationStarted: .liquidationStarted
        case .liquidationDeferred: .liquidationDeferred
        case .auctionStarted: .auctionStarted
        case .auctionFill: .auctionFill
        case .auctionReset: .auctionReset
        case .auctionEnded: .auctionEnded
        case .insuranceAbsorbed: .insuranceAbsorbed
        case .adl: .adl
        case .liquidationFinished: .liquidationFinished
        case .oracleRejected: .oracleRejected
        case .marketHalted: .marketHalted
        case .marketResumed: .marketResumed
        case .auctionBidRejected: .auctionBidRejected
        case .stateRoot: .stateRoot
        case .badDebt: .badDebt
        case .insuranceDeleveraged: .insuranceDeleveraged
        }
    }

    /// Visits the payload's fields with `coder`, writing back whatever a decoding coder assigned.
    mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        switch self {
        case .marketListed(var p): try p.fields(&c); self = .marketListed(p)
        case .paramsSet(var p): try p.fields(&c); self = .paramsSet(p)
        case .deposit(var p): try p.fields(&c); self = .deposit(p)
        case .withdrawal(var p): try p.fields(&c); self = .withdrawal(p)
        case .trade(var p): try p.fields(&c); self = .trade(p)
        case .oraclePrice(var p): try p.fields(&c); self = .oraclePrice(p)
        case .funding(var p): try p.fields(&c); self = .funding(p)
        case .clock(var p): try p.fields(&c); self = .clock(p)
        case .auctionBid(var p): try p.fields(&c); self = .auctionBid(p)
        case .insuranceDeposit(var p): try p.fields(&c); self = .insuranceDeposit(p)
        case .withdrawalAccepted(var p): try p.fields(&c); self = .withdrawalAccepted(p)
        case .withdrawalRejected(var p): try p.fields(&c); self = .withdrawalRejected(p)
        case .tradeRejected(var p): try p.fields(&c); self = .tradeRejected(p)
        case .marginCall(var p): try p.fields(&c); self = .marginCall(p)
        case .marginCallCleared(var p): try p.fields(&c); self = .marginCallCleared(p)
        case .liquidationStarted(var p): try p.fields(&c); self = .liquidationStarted(p)
        case .liquidationDeferred(var p): try p.fields(&c); self = .liquidationDeferred(p)
        case .auctionStarted(var p): try p.fields(&c); self = .auctionStarted(p)
        case .auctionFill(var p): try p.fields(&c); self = .auctionFill(p)
        case .auctionReset(var p): try p.fields(&c); self = .auctionReset(p)
        case .auctionEnded(var p): try p.fields(&c); self = .auctionEnded(p)
        case .insuranceAbsorbed(var p): try p.fields(&c); self = .insuranceAbsorbed(p)
        case .adl(var p): try p.fields(&c); self = .adl(p)
        case .liquidationFinished(var p): try p.fields(&c); self = .liquidationFinished(p)
        case .oracleRejected(var p): try p.fields(&c); self = .oracleRejected(p)
        case .marketHalted(var p): try p.fields(&c); self = .marketHalted(p)
        case .marketResumed(var p): try p.fields(&c); self = .marketResumed(p)
        case .auctionBidRejected(var p): try p.fields(&c); self = .auctionBidRejected(p)
        case .stateRoot(var p): try p.fields(&c); self = .stateRoot(p)
        case .badDebt(var p): try p.fields(&c); self = .badDebt(p)
        case .insuranceDeleveraged(var p): try p.fields(&c); self = .insuranceDeleveraged(p)
        }
    }

    /// An event of `kind` read by a decoding `coder`: the payload is built in place, not copied
    /// out of a blank event and back in as `fields(_:)` does (big payloads make that a memmove).
    static func decode<C: FieldCoder>(_ kind: EventKind, _ c: inout C) throws -> Event {
        func read<P: Payload>(_ c: inout C) throws -> P {
            var payload = P()
            try payload.fields(&c)
            return payload
        }
        return switch kind {
        case .marketListed: .marketListed(try read(&c))
        case .paramsSet: .paramsSet(try read(&c))
        case .deposit: .deposit(try read(&c))
        case .withdrawal: .withdrawal(try read(&c))
        case .trade: .trade(try read(&c))
        case .oraclePrice: .oraclePrice(try read(&c))
        case .funding: .funding(try read(&c))
        case .clock: .clock(try read(&c))
        case .auctionBid: .auctionBid(try read(&c))
        case .insuranceDeposit: .insuranceDeposit(try read(&c))
        case .withdrawalAccepted: .withdrawalAccepted(try read(&c))
        case .withdrawalRejected: .withdrawalRejected(try read(&c))
        case .tradeRejected: .tradeRejected(try read(&c))
        case .marginCall: .marginCall(try read(&c))
        case .marginCallCleared: .marginCallCleared(try read(&c))
        case .liquidationStarted: .liquidationStarted(try read(&c))
        case .liquidationDeferred: .liquidationDeferred(try read(&c))
        case .auctionStarted: .auctionStarted(try read(&c))
        case .auctionFill: .auctionFill(try read(&c))
        case .auctionReset: .auctionReset(try read(&c))
        case .auctionEnded: .auctionEnded(try read(&c))
        case .insuranceAbsorbed: .insuranceAbsorbed(try read(&c))
        case .adl: .adl(try read(&c))
        case .liquidationFinished: .liquidationFinished(try read(&c))
        case .oracleRejected: .oracleRejected(try read(&c))
        case .marketHalted: .marketHalted(try read(&c))
        case .marketResumed: .marketResumed(try read(&c))
        case .auctionBidRejected: .auctionBidRejected(try read(&c))
        case .stateRoot: .stateRoot(try read(&c))
        case .badDebt: .badDebt(try read(&c))
        case .insuranceDeleveraged: .insuranceDeleveraged(try read(&c))
        }
    }

    /// An event of `kind` with placeholder fields, for a decoder to fill in.
    static func blank(_ kind: EventKind) -> Event {
        switch kind {
        case .marketListed: .marketListed(.init())
        case .paramsSet: .paramsSet(.init())
        case .deposit: .deposit(.init())
        case .withdrawal: .withdrawal(.init())
        case .trade: .trade(.init())
        case .oraclePrice: .oraclePrice(.init())
        case .funding: .funding(.init())
        case .clock: .clock(.init())
        case .auctionBid: .auctionBid(.init())
        case .insuranceDeposit: .insuranceDeposit(.init())
        case .withdrawalAccepted: .withdrawalAccepted(.init())
        case .withdrawalRejected: .withdrawalRejected(.init())
        case .tradeRejected: .tradeRejected(.init())
        case .marginCall: .marginCall(.init())
        case .marginCallCleared: .marginCallCleared(.init())
        case .liquidationStarted: .liquidationStarted(.init())
        case .liquidationDeferred: .liquidationDeferred(.init())
        case .auctionStarted: .auctionStarted(.init())
        case .auctionFill: .auctionFill(.init())
        case .auctionReset: .auctionReset(.init())
        case .auctionEnded: .auctionEnded(.init())
        case .insuranceAbsorbed: .insuranceAbsorbed(.init())
        case .adl: .adl(.init())
        case .liquidationFinished: .liquidationFinished(.init())
        case .oracleRejected: .oracleRejected(.init())
        case .marketHalted: .marketHalted(.init())
        case .marketResumed: .marketResumed(.init())
        case .auctionBidRejected: .auctionBidRejected(.init())
        case .stateRoot: .stateRoot(.init())
        case .badDebt: .badDebt(.init())
        case .insuranceDeleveraged: .insuranceDeleveraged(.init())
        }
    }

    /// Refuses values malformed whatever the state (SPEC §4 "malformed input").
    func validate() throws(InputError) {
        switch self {
        case .marketListed(let p): try p.validate()
        case .paramsSet(let p): try p.validate()
        case .deposit(let p): try requirePositive(p.amount, "amount")
        case .withdrawal(let p): try requirePositive(p.amount, "amount")
        case .trade(let p): try p.validate()
        case .oraclePrice(let p): try requirePositive(p.price, "price")
        case .auctionBid(let p):
            try requirePositive(p.qty, "qty")
            try requirePositive(p.limitPrice, "limitPrice")
        case .insuranceDeposit(let p): try requirePositive(p.amount, "amount")
        case .funding, .clock: break
        default:
            throw InputError(code: "not_input", field: "kind", message: "\(kind.name) is derived by the engine and cannot be sent")
        }
    }
}
