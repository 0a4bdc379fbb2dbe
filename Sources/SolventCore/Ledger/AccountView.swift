/// One position as an `account` query reports it (SPEC §9).
public struct PositionLine: Equatable, Sendable {
    public var market: MarketID
    public var qty: Quantity
    /// `openCost / qty`, rounded towards less profit (longs up, shorts down).
    public var entryPrice: Price?
    public var mark: Price?
    public var value: Money
    public var upnl: Money
    /// 0-based index of the risk tier in force (as in `PositionView` of derived events).
    public var tier: Int
    public var liquidationPrice: Price?
    public var bankruptcyPrice: Price?
}

/// An account as the `account` query reports it (SPEC §9), at the ledger's `lastSeq`.
public struct AccountView: Equatable, Sendable {
    public var account: AccountID
    public var seq: Seq
    public var state: AccountStatus
    public var cash: Money
    public var equity: Money
    public var mm: Money
    public var im: Money
    public var available: Money
    public var positions: [PositionLine]

    /// The SPEC §9 `account --json` object, members in the documented order; amounts are
    /// decimal strings, `seq` and `tier` JSON integers, absent prices `null`.
    public var json: JSONValue {
        .object([
            JSONMember("account", .string(account.text)),
            JSONMember("seq", .number(String(seq))),
            JSONMember("state", .string(state.rawValue)),
            JSONMember("cash", cash.json),
            JSONMember("equity", equity.json),
            JSONMember("mm", mm.json),
            JSONMember("im", im.json),
            JSONMember("available", available.json),
            JSONMember("positions", .array(positions.map(\.json))),
        ])
    }
}

extension PositionLine {
    public var json: JSONValue {
        .object([
            JSONMember("market", .string(market.text)),
            JSONMember("qty", qty.json),
            JSONMember("entryPrice", entryPrice?.json ?? .null),
            JSONMember("mark", mark?.json ?? .null),
            JSONMember("value", value.json),
            JSONMember("upnl", upnl.json),
            JSONMember("tier", .number(String(tier))),
            JSONMember("liquidationPrice", liquidationPrice?.json ?? .null),
            JSONMember("bankruptcyPrice", bankruptcyPrice?.json ?? .null),
        ])
    }
}

extension Ledger {
    /// The account as of `lastSeq`, nil if it was never seen. Positions in market listing order.
    public func account(_ id: AccountID) -> AccountView? {
        guard let index = accounts.index(of: id) else { return nil }
        let state = accounts.states[index]
        let totals = marginTotals(account: index, cash: state.cash)
        var lines: [PositionLine] = []
        for m in markets.indices where !markets[m].cell(index).qty.isZero {
            lines.append(positionLine(account: index, market: m, totals: totals))
        }
        return AccountView(account: id, seq: lastSeq, state: state.status, cash: state.cash, equity: totals.equity,
                           mm: totals.mm, im: totals.im, available: totals.available, positions: lines)
    }

    func positionLine(account index: Int, market m: Int, totals: MarginTotals) -> PositionLine {
        let market = markets[m]
        let cell = market.cell(index)
        guard let mark = market.mark else { preconditionFailure("a position without a mark in \(market.id)") }
        let own = market.margin(qty: cell.qty, openCost: cell.openCost, mark: mark)
        // The other positions' value and MM, as the liquidation price formula needs them.
        let cashAndOthers = totals.equity - own.value
        let mmOthers = totals.mm - own.mm
        let tier = market.tiers[own.tier]
        return PositionLine(
            market: market.id, qty: cell.qty, entryPrice: Self.entryPrice(cell), mark: mark,
            value: own.value, upnl: own.upnl, tier: own.tier,
            liquidationPrice: LiquidationPrice.liquidation(qty: cell.qty, cashPlusOtherValue: cashAndOthers,
                                                           otherMM: mmOthers, mmr: tier.mmr, maintAmount: tier.maintAmount),
            bankruptcyPrice: LiquidationPrice.bankruptcy(qty: cell.qty, cashPlusOtherValue: cashAndOthers))
    }

    static func entryPrice(_ cell: PositionCell) -> Price? {
        guard !cell.qty.isZero else { return nil }
        let price = cell.qty.isPositive
            ? FixedMath.mulDivRoundingUp(cell.openCost.raw, fixedScale, cell.qty.raw)
            : FixedMath.mulDivRoundingDown(-cell.openCost.raw, fixedScale, -cell.qty.raw)
        return Price(raw: price)
    }
}
