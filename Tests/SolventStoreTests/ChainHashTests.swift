import SolventCore
import SolventStore
import Testing

/// `EventLog.chainHash(through:)`, which a returning leader compares with the new leader's seq
/// by seq to find where their logs forked.
@Suite struct ChainHashTests {
    @Test func theChainHashAtASeqIsTheSameInLogsThatAgreeUpToIt() throws {
        try withNewLog { leader, _ in
            try withNewLog { other, _ in
                try leader.append(records(1...10))
                try other.append(records(1...6))
                try other.append(records(7...9, count: 50))  // forks at 7
                #expect(try leader.chainHash(through: 10) == leader.headHash)
                #expect(try other.chainHash(through: 9) == other.headHash)
                #expect(try leader.chainHash(through: 0) == ChainHead.genesis.hash)
                #expect(try leader.chainHash(through: 11) == nil)
                for seq in Seq(0)...6 { #expect(try leader.chainHash(through: seq) == other.chainHash(through: seq)) }
                for seq in Seq(7)...9 { #expect(try leader.chainHash(through: seq) != other.chainHash(through: seq)) }
                // What the log itself says: the next record's prevHash.
                #expect(try leader.chainHash(through: 4) == Array(try leader.read { try #require(try $0.record(5)) }.prevHash))
            }
        }
    }
}
