import Testing
@testable import SolventCore

@Suite("Ledger: snapshots")
struct LedgerSnapshotTests {
    static func scenario() -> LedgerDriver {
        var d = LedgerDriver()
        d.send(listed("BTC-PERP"))
        d.send(listed("ETH-PERP", lot: "0.01", tick: "0.01", tiers: [tier("100000", mmr: "0.005", imr: "0.01")]))
        var local = ParamsSet()
        local.market = id("ETH-PERP")
        local.maxJump = rate("0.1")
        d.send(.paramsSet(local))
        d.send(deposit("alice", "5000"))
        d.send(deposit("bob", "5000"))
        d.send(deposit("a-very-long-account-id-that-does-not-fit-in-a-small-string", "5000"))
        d.send(insuranceDeposit("100"))
        d.send(trade("BTC-PERP", buyer: "alice", seller: "bob", "0.3", at: "10000", buyerFee: "0.3", sellerFee: "0.1"))
        d.send(trade("ETH-PERP", buyer: "bob", seller: "a-very-long-account-id-that-does-not-fit-in-a-small-string", "2", at: "2000.01"))
        d.send(oracle("BTC-PERP", "10100.5"))
        d.send(funding("BTC-PERP", "0.0001"))
        d.send(withdrawal("alice", "100"))
        d.send(withdrawal("bob", "100000"))
        return d
    }

    @Test func decodeThenEncodeGivesTheSameBytesAndTheSameAccounts() throws {
        let d = Self.scenario()
        let bytes = d.ledger.encodeSnapshot()
        let decoded = try Ledger(snapshot: bytes)
        #expect(decoded.encodeSnapshot() == bytes)
        #expect(decoded == d.ledger)
        #expect(decoded.lastSeq == d.ledger.lastSeq)
        #expect(decoded.accountIDs == d.ledger.accountIDs)
        for account in d.ledger.accountIDs { #expect(decoded.account(account) == d.ledger.account(account)) }
        #expect(decoded.params(market: id("ETH-PERP"))! == d.ledger.params(market: id("ETH-PERP"))!)
        #expect(decoded.invariantViolations().isEmpty)
    }

    @Test func genesisSnapshotRoundTrips() throws {
        let bytes = Ledger().encodeSnapshot()
        #expect(try Ledger(snapshot: bytes).encodeSnapshot() == bytes)
        #expect(try Ledger(snapshot: bytes).accountCount == 2)
    }

    @Test func aDecodedLedgerContinuesExactlyLikeTheOriginal() throws {
        var original = Self.scenario()
        var restored = original
        restored.ledger = try Ledger(snapshot: original.ledger.encodeSnapshot())
        let tail: [Event] = [
            trade("BTC-PERP", buyer: "carol", seller: "alice", "0.1", at: "10100"),
            deposit("carol", "2000"),
            trade("BTC-PERP", buyer: "carol", seller: "alice", "0.1", at: "10100"),
            oracle("ETH-PERP", "1900"),
            funding("ETH-PERP", "-0.0003"),
            withdrawal("bob", "10"),
        ]
        for event in tail { #expect(original.send(event) == restored.send(event)) }
        #expect(original.ledger.encodeSnapshot() == restored.ledger.encodeSnapshot())
    }

    @Test func corruptSnapshotsAreRefused() {
        let bytes = Self.scenario().ledger.encodeSnapshot()
        #expect(throws: CodecError.self) { try Ledger(snapshot: Array(bytes.dropLast())) }
        #expect(throws: CodecError.self) { try Ledger(snapshot: bytes + [0]) }
        #expect(throws: CodecError.self) { try Ledger(snapshot: [UInt8]("XXXX".utf8) + bytes.dropFirst(4)) }
        // The last 8 bytes are the open cost of the last position; the 8 before, its quantity:
        // changing the quantity unbalances the market.
        var unbalanced = bytes
        unbalanced[bytes.count - 9] ^= 1
        #expect(throws: CodecError.self) { try Ledger(snapshot: unbalanced) }
        // The totals right after the header: a wrong deposit total breaks conservation.
        var unconserved = bytes
        unconserved[4 + 2 + 8 + 8 + 7] ^= 1
        #expect(throws: CodecError.self) { try Ledger(snapshot: unconserved) }
    }
}
