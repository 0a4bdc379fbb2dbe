import SolventCore

/// The bidder's own account as the `account` query reports it (docs/PROTOCOL.md): what bounds
/// how much it can take.
public struct Funds: Equatable, Sendable {
    public var state: AccountStatus
    public var equity: Money
    /// `equity − IM − max(0, uPnL)`: what new exposure may use (SPEC §4); the engine refuses a fill
    /// that would leave it negative (`insufficient_margin`).
    public var available: Money
    /// Signed position per market; absent markets hold nothing.
    public var positions: [MarketID: Quantity]

    public init(state: AccountStatus, equity: Money, available: Money, positions: [MarketID: Quantity] = [:]) {
        self.state = state
        self.equity = equity
        self.available = available
        self.positions = positions
    }

    /// An account never seen by the ledger: nothing to bid with.
    public static let none = Funds(state: .healthy, equity: .zero, available: .zero)

    /// From the `account` reply (`{"ok":true,"account":…,"equity":…,"available":…,"positions":[…]}`).
    public init(reply: JSONValue) throws(BotError) {
        guard case .string(let stateText)? = reply["state"], let state = AccountStatus(rawValue: stateText) else {
            throw BotError("account reply without a known state")
        }
        self.state = state
        equity = try Self.amount(reply, "equity")
        available = try Self.amount(reply, "available")
        positions = [:]
        guard case .array(let lines)? = reply["positions"] else { throw BotError("account reply without positions") }
        for line in lines {
            guard case .string(let market)? = line["market"], let id = try? MarketID(market),
                  case .string(let qtyText)? = line["qty"], let qty = try? Quantity(parsing: qtyText)
            else { throw BotError("account reply with a malformed position") }
            positions[id] = qty
        }
    }

    private static func amount(_ reply: JSONValue, _ field: String) throws(BotError) -> Money {
        guard case .string(let text)? = reply[field], let value = try? Money(parsing: text) else {
            throw BotError("account reply without \(field)")
        }
        return value
    }
}

/// A reply or record the bot could not make sense of; the message says which.
public struct BotError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
