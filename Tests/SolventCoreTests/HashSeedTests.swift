import Testing
@testable import SolventCore

/// The id hash tables are seeded per process (`Ledger.setIdentifierHashSeed`); nothing that
/// reaches an output may depend on the seed.
@Suite("Ledger: hash seed")
struct HashSeedTests {
    /// 300 accounts (past the linear search and through several rehashes), trades between
    /// them, an oracle price and funding: records and snapshot bytes under one seed.
    static func run(seed: UInt64) -> (log: [Record], snapshot: [UInt8], seed: UInt64) {
        Ledger.setIdentifierHashSeed(seed)
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        for n in 0..<300 { d.send(deposit("acct-\(n)", "100000")) }
        for n in stride(from: 0, to: 300, by: 2) {
            d.send(trade("BTC-PERP", buyer: "acct-\(n)", seller: "acct-\(n + 1)", "0.5", at: "20000"))
        }
        d.send(oracle("BTC-PERP", "20100"))
        d.send(funding("BTC-PERP", "0.0001"))
        return (d.log, d.ledger.encodeSnapshot(), d.ledger.accounts.slots.seed)
    }

    @Test func recordsAndSnapshotsAreTheSameUnderTwoSeeds() throws {
        let first = Self.run(seed: 0x9E37_79B9_7F4A_7C15)
        let second = Self.run(seed: 42)
        Ledger.setIdentifierHashSeed(0)
        #expect(first.seed == 0x9E37_79B9_7F4A_7C15)
        #expect(second.seed == 42)
        #expect(first.log == second.log)
        #expect(first.snapshot == second.snapshot)
        // A snapshot loaded under yet another seed continues identically.
        let loaded = try Ledger(snapshot: first.snapshot)
        #expect(loaded.encodeSnapshot() == first.snapshot)
        #expect(loaded.account(id("acct-299")) != nil)
    }

    @Test func theSeedChangesTheSlotsAnIdHashesTo() {
        let a = InternSlots.hash(id("acct-1"), seed: 1)
        let b = InternSlots.hash(id("acct-1"), seed: 2)
        #expect(a != b)
        #expect(InternSlots.hash(id("acct-1"), seed: 0) != a)
    }
}
