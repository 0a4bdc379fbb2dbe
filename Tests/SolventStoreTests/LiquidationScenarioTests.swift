import Foundation
import SolventCore
import SolventStore
import Testing

/// Fixtures/scenarios/liquidation.ndjson through the write path on real LMDB: alice's long is
/// partially liquidated by an auction (bot1's mean bid rejected, two fills) and recovers; carol's
/// short, with the fund holding only penalties, runs to its bankruptcy price on clock ticks and
/// ends in ADL against alice and dave.
@Suite struct LiquidationScenarioTests {
    static let scenarioPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios/liquidation.ndjson").path

    static func inputs() throws -> [JournalInput] {
        let text = try String(contentsOfFile: scenarioPath, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let (time, event) = try RecordJSON.input(line: Array(line.utf8), requireTime: true)
            return JournalInput(time: try #require(time), event: event)
        }
    }

    @Test func theScenarioLiquidatesALongPartiallyAndAShortByADLAndReopensTheSame() throws {
        try withTemporaryDirectory { directory in
            try EventLog.create(directory: directory, createdTimeMs: 0)
            let journal = try Journal(directory: directory)
            let records = try journal.append(try Self.inputs()).flatMap { $0 }
            let started = records.compactMap { r -> LiquidationStarted? in if case .liquidationStarted(let p) = r.event { p } else { nil } }
            let finished = records.compactMap { r -> LiquidationFinished? in if case .liquidationFinished(let p) = r.event { p } else { nil } }
            let fills = records.compactMap { r -> AuctionFill? in if case .auctionFill(let p) = r.event { p } else { nil } }
            let adls = records.compactMap { r -> ADL? in if case .adl(let p) = r.event { p } else { nil } }

            // The long: half of alice's 1 BTC, in a bid rejected then two fills; she recovers.
            let long = try #require(started.first { $0.account.text == "alice" })
            #expect(long.qty == Quantity(raw: 50_000_000))
            #expect(records.contains { $0.kind == .auctionBidRejected })
            #expect(fills.count == 2 && fills.allSatisfy { $0.liquidation == long.liquidation && $0.bidder.text == "bot1" })
            let longEnd = try #require(finished.first { $0.liquidation == long.liquidation })
            #expect(longEnd.closedQty == long.qty && longEnd.adlQty.isZero && longEnd.shortfall.isZero)
            #expect(journal.ledger.account(AccountID(valid: "alice"))?.state == .healthy)

            // The short: all of carol's position, closed by ADL at the bankruptcy price.
            let short = try #require(started.first { $0.account.text == "carol" })
            #expect(adls.count >= 1 && adls.allSatisfy { $0.liquidation == short.liquidation })
            #expect(adls.reduce(Quantity.zero) { $0 + $1.qty } == short.qty.magnitude)
            let shortEnd = try #require(finished.first { $0.liquidation == short.liquidation })
            #expect(shortEnd.adlQty == short.qty.magnitude)
            #expect(journal.ledger.positions(AccountID(valid: "carol")).isEmpty)
            #expect(journal.ledger.invariantViolations().isEmpty)

            let reopened = try Journal(directory: directory)
            #expect(reopened.ledger.encodeSnapshot() == journal.ledger.encodeSnapshot())
            #expect(reopened.log.lastSeq == journal.log.lastSeq)
        }
    }
}
