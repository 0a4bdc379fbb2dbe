import Foundation
import SolventCore
import SolventStore
import Testing

/// Logs of real records under request keys as the daemon writes them, every way a key can go:
/// single appends (a recent database, folded later), a pipelined batch (straight into
/// `requests`), and a batch append under one key with its receipt.
enum KeyedLogs {
    static let receipt: [UInt8] = [0, 0, 0, 2, 1, 7, 0x61, 0x62]
    static let batchKey = "batch"

    static func deposit(_ account: String, units: Int64, time: TimeMs, key: String?, sharesKey: Bool = false) -> JournalInput {
        var deposit = Deposit()
        deposit.account = AccountID(valid: account)
        deposit.amount = Money(units: units)
        return JournalInput(time: time, event: .deposit(deposit), key: key, sharesKey: sharesKey)
    }

    /// A withdrawal beyond the account's cash: logged, with its rejection derived after it.
    static func rejectedWithdrawal(_ account: String, time: TimeMs, key: String?, sharesKey: Bool = false) -> JournalInput {
        var withdrawal = Withdrawal()
        withdrawal.account = AccountID(valid: account)
        withdrawal.amount = Money(units: 1_000_000)
        return JournalInput(time: time, event: .withdrawal(withdrawal), key: key, sharesKey: sharesKey)
    }

    /// Creates a log in `directory` and appends, in this order: `singles` keyed deposits in a
    /// commit each ("single-1"…), one commit of `direct` keyed deposits ("direct-1"…), a batch
    /// under `batchKey` (a rejected withdrawal, then a deposit) with `receipt`, three more keyed
    /// singles and a keyless deposit. Returns each key's seq.
    @discardableResult
    static func build(_ directory: String, snapshotEvery: UInt64, singles: Int, direct: Int,
                      requestIndex: RequestIndexPolicy = .standard) throws -> [String: Seq] {
        try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: snapshotEvery)
        let journal = try Journal(directory: directory, requestIndex: requestIndex)
        var time = TimeMs(1_700_000_000_000)
        func next() -> TimeMs {
            time = TimeMs(time.rawValue + 1_000)
            return time
        }
        var keys: [String: Seq] = [:]
        func appendEach(_ names: [String]) throws {
            for name in names {
                let records = try journal.append([deposit(name, units: 100, time: next(), key: name)])
                keys[name] = records[0][0].seq
            }
        }
        try appendEach((1...singles).map { "single-\($0)" })
        let pipelined = (1...direct).map { deposit("acct-\($0)", units: 10, time: next(), key: "direct-\($0)") }
        for (index, records) in try journal.append(pipelined).enumerated() { keys["direct-\(index + 1)"] = records[0].seq }
        let batchTime = next()
        let (results, staged) = journal.stageAccepted([
            rejectedWithdrawal("single-1", time: batchTime, key: batchKey, sharesKey: true),
            deposit("single-1", units: 5, time: batchTime, key: batchKey, sharesKey: true),
        ])
        keys[batchKey] = try results[0].get()[0].seq
        var batch = staged
        batch.receipts = [RequestReceipt(key: batchKey, bytes: receipt)]
        try batch.commit(to: journal.log)
        try appendEach(["late-1", "late-2", "late-3"])
        try journal.append([deposit("keyless", units: 1, time: next(), key: nil)])
        return keys
    }
}
