import Foundation
import SolventCore
import SolventStore
import Testing

/// Fixtures/scenarios/liquidation.ndjson through the write path on real LMDB: alice's long is
/// partially liquidated by an auction (bot1's mean bid rejected, two fills) and recovers; carol's
/// short, with the fund holding only penalties, runs to its bankruptcy price on clock ticks: the
/// fund takes the one lot its margin allows (rules 2, fundImr) and the rest ends in ADL against
/// alice and dave.
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
            let botFills = fills.filter { $0.bidder.text == "bot1" }
            #expect(botFills.count == 2 && botFills.allSatisfy { $0.liquidation == long.liquidation })
            let longEnd = try #require(finished.first { $0.liquidation == long.liquidation })
            #expect(longEnd.closedQty == long.qty && longEnd.adlQty.isZero && longEnd.shortfall.isZero)
            #expect(journal.ledger.account(AccountID(valid: "alice"))?.state == .healthy)

            // The short: all of carol's position, closed at the bankruptcy price: what the fund's
            // margin allows to the fund, the rest by ADL.
            let short = try #require(started.first { $0.account.text == "carol" })
            #expect(adls.count >= 1 && adls.allSatisfy { $0.liquidation == short.liquidation })
            let backstop = fills.filter { $0.bidder == .insurance && $0.liquidation == short.liquidation }
            let fundTook = backstop.reduce(Quantity.zero) { $0 + $1.qty }
            #expect(backstop.count == 1 && fundTook == Quantity(raw: 100_000))
            #expect(adls.reduce(Quantity.zero) { $0 + $1.qty } + fundTook == short.qty.magnitude)
            let shortEnd = try #require(finished.first { $0.liquidation == short.liquidation })
            #expect(shortEnd.adlQty + fundTook == short.qty.magnitude)
            #expect(shortEnd.shortfall.isZero)
            #expect(journal.ledger.positions(AccountID(valid: "carol")).isEmpty)
            #expect(journal.ledger.invariantViolations().isEmpty)

            let reopened = try Journal(directory: directory)
            #expect(reopened.ledger.encodeSnapshot() == journal.ledger.encodeSnapshot())
            #expect(reopened.log.lastSeq == journal.log.lastSeq)
        }
    }
}
