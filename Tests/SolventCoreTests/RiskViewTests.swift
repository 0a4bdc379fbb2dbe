import Foundation
import SolventTestSupport
import Testing
@testable import SolventCore

/// The dashboard's views of the ledger (Views/) against what the engine then does: the ADL
/// queue a view ranks is the order in which the next backstop deleverages, and an auction's view
/// price at a bid's time is the price the bid fills at. Checked on the liquidation scenario's log
/// (Fixtures/golden/cli/log-liquidation.ndjson, written by `solvent append` under the current rules).
@Suite struct RiskViewTests {
    static func records() throws -> [Record] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/golden/cli/log-liquidation.ndjson")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try RecordJSON.record(JSONParser.parse(String($0))) }
    }

    /// The ledger after every record before `seq`.
    static func ledger(before seq: Seq, _ records: [Record]) -> Ledger {
        replay(records.filter { $0.seq < seq }, onto: Ledger(rules: .current))
    }

    @Test func theADLQueueIsTheOrderTheNextBackstopTakes() throws {
        let records = try Self.records()
        let adl = records.compactMap { record -> (Record, ADL)? in
            if case .adl(let p) = record.event { (record, p) } else { nil }
        }
        let first = try #require(adl.first)
        let cause = try #require(first.0.cause)
        let before = Self.ledger(before: cause, records)
        let taken = adl.filter { $0.0.cause == cause }
        let long = taken[0].1.qty.isPositive  // the holder's side: alice and dave are long against short carol
        let queue = try #require(before.adlQueue(market: first.1.market, long: long, limit: 10))
        #expect(queue.entries.prefix(taken.count).map(\.account) == taken.map(\.1.account))
        #expect(queue.entries.prefix(taken.count).map(\.score) == taken.map(\.1.rankScore))
        #expect(queue.entries.map(\.rank) == Array(1...queue.entries.count))
        #expect(queue.entries.first?.lights == 5)
    }

    @Test func anAuctionsViewPriceIsWhatABidThenFillsAt() throws {
        let records = try Self.records()
        var checked = 0
        for record in records {
            guard case .auctionFill(let fill) = record.event, let cause = record.cause,
                  case .auctionBid? = records.first(where: { $0.seq == cause })?.event else { continue }
            let before = Self.ledger(before: cause, records)
            let view = try #require(before.auctionViews(at: record.time).first { $0.id == fill.auction })
            #expect(view.price == fill.price, "auction \(fill.auction) at \(record.time)")
            #expect(view.tailInMs > 0)
            checked += 1
        }
        #expect(checked >= 2)
    }

    @Test func marketViewsCountWhatTheEngineHolds() throws {
        let records = try Self.records()
        let started = try #require(records.first { $0.kind == .auctionStarted })
        let ledger = Self.ledger(before: started.seq + 1, records)
        let view = try #require(ledger.marketViews.first)
        #expect(view.auctions == ledger.engineFigures.runningAuctions)
        #expect(view.liquidating == ledger.engineFigures.runningLiquidations)
        #expect(view.openInterest == ledger.accountIDs.compactMap { ledger.account($0)?.positions.first?.qty }.filter(\.isPositive)
            .reduce(Quantity.zero, +))
    }
}
