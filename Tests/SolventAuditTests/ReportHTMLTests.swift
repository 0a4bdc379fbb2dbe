import Foundation
import SolventAudit
import SolventCore
import SolventStore
import Testing

/// The HTML report of alice's liquidation is pinned byte for byte in
/// Fixtures/golden/replay-alice.html, and must stay self-contained. The test always compares
/// against the committed file; after a deliberate change `tools/update-goldens` rewrites it (under
/// its `SOLVENT_UPDATE_GOLDEN=1` the test only writes and fails: "updated, not tested").
@Suite struct ReportHTMLTests {
    static let golden = fixture("Fixtures/golden/replay-alice.html")

    static func page() throws -> String {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(ReplayTests.scenario))
            let log = try AuditLog(directory: directory)
            let replay = try LiquidationReplay.run(12, in: log)
            let wide = try WhatIf.parseParams(Array(try String(contentsOfFile: fixture("Fixtures/params/wide-buffer.json"), encoding: .utf8).utf8))
            let whatIf = try WhatIf.run(replay.life, overlay: wide, inForce: replay.params, in: log)
            return ReportHTML.page(replay, explanation: Explanation(replay), whatIf: whatIf)
        }
    }

    @Test func theReportMatchesItsGoldenFile() throws {
        let page = try Self.page()
        if ProcessInfo.processInfo.environment["SOLVENT_UPDATE_GOLDEN"] == "1" {
            try page.write(toFile: Self.golden, atomically: true, encoding: .utf8)
            Issue.record("updated, not tested: Fixtures/golden/replay-alice.html")
            return
        }
        #expect(page == (try String(contentsOfFile: Self.golden, encoding: .utf8)))
    }

    @Test func theReportHasItsChartsAndTablesAndLoadsNothing() throws {
        let page = try Self.page()
        #expect(page.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(page.components(separatedBy: "<polyline ").count - 1 >= 5)
        for title in ["Mark price of BTC-PERP", "equity against maintenance margin", "Auction price curve",
                      "Formulas", "Inputs of the decision", "Positions at the decision", "Timeline",
                      "Where the money went", "What if", "reproduced"] {
            #expect(page.contains(title), "missing \(title)")
        }
        #expect(page.components(separatedBy: "<table>").count - 1 == 6)
        // Two fills drawn as squares, three bid limits as circles (plus one legend entry each).
        #expect(page.components(separatedBy: "fill=\"#1f7a3a\"").count - 1 == 3)
        for forbidden in ["http", "src=", "<link", "<script", "url(", "@import"] {
            #expect(!page.contains(forbidden), "the page must load nothing: found \(forbidden)")
        }
    }
}
