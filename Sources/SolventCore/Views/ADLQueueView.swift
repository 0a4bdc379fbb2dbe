/// One holder in a market's auto-deleveraging queue: the counterparties a backstop would take
/// first (BitMEX's "Priority Ranking", Settlement.swift `adlScore`), as exchanges show their
/// users with an indicator.
public struct ADLQueueEntry: Equatable, Sendable {
    /// 1 is taken first.
    public var rank: Int
    public var account: AccountID
    public var qty: Quantity
    /// The engine's rank score at the mark: PnL% × effective leverage (÷ leverage at a loss
    /// under rules 2).
    public var score: Rate
    /// 1–5 lights, as Binance and BitMEX show: 5 for the top fifth of the side, 1 for the last.
    public var lights: Int
}

extension Ledger {
    /// The holders of one side of `market` (longs when `long`) ranked as a backstop now would
    /// take them, best first, the first `limit`; nil when the market is unknown or has no mark.
    /// This is the full sort `ADLRanking` is proven to equal (ADLIndexPropertyTests): score
    /// descending, ties by account id; accounts being liquidated and the reserved accounts are
    /// not candidates. O(holders · log holders).
    public func adlQueue(market id: MarketID, long: Bool, limit: Int) -> (entries: [ADLQueueEntry], holders: Int)? {
        guard let m = marketIndexByID[id], let mark = markets[m].mark else { return nil }
        var scored: [(score: Rate, id: AccountID, index: Int)] = []
        let cells = markets[m].cells
        for index in cells.indices where index > Self.feesIndex && cells[index].qty.isPositive == long && !cells[index].qty.isZero {
            let state = accounts.states[index]
            guard state.status != .liquidating else { continue }
            scored.append((adlScore(account: index, cell: cells[index], market: m, mark: mark), state.id, index))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        let total = scored.count
        let entries = scored.prefix(max(0, limit)).enumerated().map { offset, holder in
            ADLQueueEntry(rank: offset + 1, account: holder.id, qty: cells[holder.index].qty, score: holder.score,
                          lights: 5 - (offset * 5) / max(1, total))
        }
        return (entries, total)
    }
}
