import SolventAudit
import SolventCore
import SolventStore
import SolventTestSupport
import Testing

@Suite struct WhatIfTests {
    /// alice: 1,000 deposited, long 1 BTC at 10,000; the mark walks down 9,060 → 9,040 → 9,030.
    /// Equity = mark − 9,000, MM = 0.004 × mark. With callBuffer 0.2 the zone top at 9,060 is
    /// 36.24 + 7.248 = 43.488 < 60: no call until 9,040 (equity 40 < 43.392). With callBuffer 1
    /// the top at 9,060 is 72.48 > 60: the call comes one tick earlier. 9,030 liquidates (30 ≤ 36.12).
    static func walkDown() -> [JournalInput] {
        timed([listed("BTC-PERP"), params { $0.minFee = rate("0.001"); $0.maxFee = rate("0.01") },
               oracle("BTC-PERP", "10000"), deposit("alice", "1000"), deposit("bob", "100000"),
               trade("BTC-PERP", buyer: "alice", seller: "bob", "1", at: "10000"),
               oracle("BTC-PERP", "9060"), oracle("BTC-PERP", "9040"), oracle("BTC-PERP", "9030")])
    }

    static func liquidationID(_ log: AuditLog) throws -> Seq {
        try #require(try LiquidationSummary.all(in: log).first).liquidation
    }

    @Test func identicalParametersReportNoDifference() throws {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: Self.walkDown())
            let log = try AuditLog(directory: directory)
            let replay = try LiquidationReplay.run(try Self.liquidationID(log), in: log)
            let same = try WhatIf.parseParams(Array(#"{"callBuffer":"0.2","minFee":"0.001"}"#.utf8))
            let whatIf = try WhatIf.run(replay.life, overlay: same, inForce: replay.params, in: log)
            #expect(whatIf.sameParameters)
            #expect(!whatIf.differs)
            #expect(whatIf.original.liquidated && whatIf.original.marginCallTime != nil)
        }
    }

    @Test func aLargerCallBufferCallsTheMarginEarlier() throws {
        try withTemporaryDirectory { directory in
            let inputs = Self.walkDown()
            try makeLog(directory, inputs: inputs)
            let log = try AuditLog(directory: directory)
            let replay = try LiquidationReplay.run(try Self.liquidationID(log), in: log)
            #expect(replay.life.marginCall != nil)
            let wide = try WhatIf.parseParams(Array(#"{"callBuffer":"1"}"#.utf8))
            let whatIf = try WhatIf.run(replay.life, overlay: wide, inForce: replay.params, in: log)
            #expect(whatIf.differs)
            #expect(whatIf.original.marginCallTime == inputs[7].time)   // at 9,040
            #expect(whatIf.alternative.marginCallTime == inputs[6].time)  // at 9,060
            #expect(whatIf.alternative.liquidationTime == inputs[8].time)
        }
    }

    @Test func aBadParamsFileIsRefusedNamingTheField() {
        #expect(throws: AuditError.self) { try WhatIf.parseParams(Array(#"{"callBuffer":"2"}"#.utf8)) }
        #expect(throws: AuditError.self) { try WhatIf.parseParams(Array(#"{"callBufer":"0.3"}"#.utf8)) }
        do { _ = try WhatIf.parseParams(Array(#"{"callBuffer":"2"}"#.utf8)) } catch {
            #expect("\(error)".contains("callBuffer"))
        }
    }
}
