import Foundation
import Testing
@testable import SolventCore

/// One vector of Fixtures/vectors/*.json: a log of inputs and the expected account afterwards.
struct LedgerVector: Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var json: JSONValue
    var testDescription: String { name }

    static func load(_ file: String) -> [LedgerVector] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fixtures/vectors/\(file)").standardized
        guard let data = try? Data(contentsOf: url), let root = try? JSONParser.parse([UInt8](data)),
              case .array(let vectors)? = root["vectors"] else {
            preconditionFailure("cannot read \(url.path)")
        }
        return vectors.map { LedgerVector(name: $0["name"]!.text!, source: $0["source"]!.text!, json: $0) }
    }
}

extension JSONValue {
    var text: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// Published figures are quoted to the cent: ours rounded half away from zero to 2 decimals.
func centsText(_ raw: Int64) -> String {
    let cents = (raw.magnitude + 500_000) / 1_000_000
    let sign = raw < 0 && cents > 0 ? "-" : ""
    let fraction = cents % 100
    return "\(sign)\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

@Suite("Ledger: published and hand-computed vectors")
struct LedgerVectorTests {
    /// Replays a vector's events through check + apply and returns the account view.
    func run(_ vector: LedgerVector) throws -> AccountView? {
        var ledger = Ledger()
        guard case .array(let events)? = vector.json["events"] else { return nil }
        for (offset, eventJSON) in events.enumerated() {
            let (time, event) = try RecordJSON.input(eventJSON, requireTime: true)
            try ledger.check(event)
            let derived = ledger.apply(event, seq: ledger.lastSeq + 1, time: time!)
            #expect(derived.isEmpty, "event \(offset) of \(vector.name) derived \(derived)")
        }
        #expect(ledger.invariantViolations().isEmpty)
        return ledger.account(id(vector.json["account"]!.text!))
    }

    func expectMatches(_ vector: LedgerVector) throws {
        let view = try #require(try run(vector))
        let totals = try #require(vector.json["totals"])
        #expect(view.cash.description == totals["cash"]?.text)
        #expect(view.equity.description == totals["equity"]?.text)
        #expect(view.mm.description == totals["mm"]?.text)
        #expect(view.im.description == totals["im"]?.text)
        guard case .array(let positions)? = vector.json["positions"] else { Issue.record("no positions"); return }
        #expect(view.positions.count == positions.count)
        for expected in positions {
            let line = try #require(view.positions.first { $0.market.text == expected["market"]?.text })
            #expect(JSONValue.number(String(line.tier)) == .number(expected["tier"].map { if case .number(let n) = $0 { n } else { "?" } } ?? "?"))
            #expect(line.value.description == expected["value"]?.text)
            #expect(line.upnl.description == expected["upnl"]?.text)
            #expect(line.liquidationPrice?.description == expected["liquidationPrice"]?.text)
            #expect(line.bankruptcyPrice?.description == expected["bankruptcyPrice"]?.text)
            guard case .object(let published)? = expected["published"] else { continue }
            for member in published {
                let ours: Int64? = switch member.key {
                case "liquidationPrice": line.liquidationPrice?.raw
                case "bankruptcyPrice": line.bankruptcyPrice?.raw
                case "upnl": line.upnl.raw
                default: nil
                }
                #expect(ours.map(centsText) == member.value.text, "\(vector.name) \(line.market) \(member.key) (\(vector.source))")
            }
        }
    }

    // Binance USDⓈ-M cross, one-way mode: WB 1,535,443.01, BTCUSDT long 109.488 @ 32,481.98 (mark
    // 31,967.27, bracket MMR 2.5 %, maintenance amount 16,300) and ETHUSDT long 3,683.979 @ 1,456.84
    // (mark 1,335.18, MMR 10 %, maintenance amount 135,365): LP 26,316.89 and 1,153.26.
    // Source: https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
    // Binance: WB 500 USDT, long 1,000 USDT of BTCUSDT at 50,000 (MMR 0.4 %): LP 25,100.40.
    // Source: https://www.binance.com/en/support/faq/25edcd7fe0e544839d0847b8cbb2e400
    @Test(arguments: LedgerVector.load("liquidation-prices.json"))
    func publishedLiquidationPricesAreReproducedToTheCent(_ vector: LedgerVector) throws {
        try expectMatches(vector)
    }

    // Every boundary of Binance's first BTCUSDT brackets (at the cap and 1e-8 beyond, both
    // sides), the FAQ's 264,000 and 500,000 USDT examples, and rounding-direction cases.
    @Test(arguments: LedgerVector.load("tier-boundaries.json"))
    func tierBoundaryCasesMatchTheExactOracle(_ vector: LedgerVector) throws {
        try expectMatches(vector)
    }

    @Test func centsRoundingIsHalfAwayFromZero() {
        #expect(centsText(2_631_689_326_452) == "26316.89")
        #expect(centsText(-5_635_456_848_000) == "-56354.57")
        #expect(centsText(2_510_040_160_643) == "25100.40")
        #expect(centsText(100_000) == "0.00")
        #expect(centsText(-500_000) == "-0.01")
    }

    @Test func liquidationPriceIsNullWhenNoPositivePriceExists() {
        // A long fully paid for (cash ≥ 0) is never liquidated: no positive P solves equity = MM.
        #expect(LiquidationPrice.liquidation(qty: qty("1"), cashPlusOtherValue: money("0"), otherMM: .zero,
                                             mmr: rate("0.004"), maintAmount: .zero) == nil)
        #expect(LiquidationPrice.bankruptcy(qty: qty("1"), cashPlusOtherValue: money("5")) == nil)
        // A short without collateral is bankrupt at any positive price… except it is not: cash
        // from the sale makes P = cash / |q|.
        #expect(LiquidationPrice.bankruptcy(qty: qty("-2"), cashPlusOtherValue: money("3")) == price("1.5"))
        #expect(LiquidationPrice.liquidation(qty: qty("-1"), cashPlusOtherValue: money("-1"), otherMM: .zero,
                                             mmr: rate("0.01"), maintAmount: .zero) == nil)
    }
}
