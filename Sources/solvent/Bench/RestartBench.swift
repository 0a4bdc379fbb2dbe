import SolventCore
import SolventStore

/// `solvent bench restart`: time to open a log whose latest snapshot holds 1M accounts with one
/// position each (SPEC §10: < 2 s).
struct RestartBench {
    let scale: Double

    var accounts: Int { max(Int(1_000_000 * scale), 100) / 2 * 2 }

    func run(_ report: inout BenchReport) throws {
        try withTemporaryDirectory { directory in
            let inputs = self.inputs()
            // One snapshot (and state root), at the very end: the restart replays no tail.
            let snapshotEvery = UInt64(inputs.count)
            try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: snapshotEvery)
            let journal = try Journal(directory: directory, snapshotEvery: snapshotEvery)
            var start = 0
            while start < inputs.count {
                let end = min(start + 10_000, inputs.count)
                try journal.append(Array(inputs[start..<end]))
                start = end
            }
            var reopened: Journal?
            let seconds = try measureSeconds { reopened = try Journal(directory: directory, snapshotEvery: snapshotEvery) }
            let count = reopened?.ledger.accountCount ?? 0
            report.add(BenchFigure(bench: "restart", value: seconds * 1000, unit: "ms",
                                   note: "open + load snapshot of \(count) accounts with one position each; target < 2000"))
        }
    }

    /// A listing, a price, a deposit per account, then one trade per pair of accounts.
    private func inputs() -> [JournalInput] {
        let market = MarketID(valid: "BTC-PERP")
        var inputs = [JournalInput(time: 0, event: .marketListed(MixedHistory.listing(market)))]
        var price = OraclePrice()
        price.market = market
        price.price = Price(units: 30_000)
        inputs.append(JournalInput(time: 0, event: .oraclePrice(price)))
        let ids = (0..<accounts).map { AccountID(valid: "acct-\($0)") }
        for id in ids {
            var deposit = Deposit()
            deposit.account = id
            deposit.amount = Money(units: 10_000)
            inputs.append(JournalInput(time: 0, event: .deposit(deposit)))
        }
        for pair in stride(from: 0, to: ids.count, by: 2) {
            var trade = Trade()
            trade.market = market
            trade.buyer = ids[pair]
            trade.seller = ids[pair + 1]
            trade.qty = Quantity(raw: 10_000_000)      // 0.1
            trade.price = Price(units: 30_000)
            inputs.append(JournalInput(time: 0, event: .trade(trade)))
        }
        return inputs
    }
}
