import SolventCharts
import SolventCore

/// `/adl?market=M`: per side the counterparties a backstop would take first, with their rank
/// score and the 1–5 lights indicator.
enum ADLPage {
    static func body(_ views: DashboardViews, market: MarketID?) -> String {
        let ids = views.ledger.marketIDs
        var out = "<p>Markets: " + ids.map { "<a href=\"/adl?market=\(HTML.escape($0.text))\">\(HTML.escape($0.text))</a>" }
            .joined(separator: " · ") + "</p>"
        guard let market = market ?? ids.first else { return out + "<p class=\"empty\">No market listed yet.</p>" }
        for long in [true, false] {
            guard let queue = views.adl(market: market, long: long) else {
                return out + "<p class=\"empty\">\(HTML.escape(market.text)) has no mark yet.</p>"
            }
            out += "<h2>\(HTML.escape(market.text)) \(long ? "longs" : "shorts"): top \(queue.entries.count) of \(queue.holders)</h2>"
            out += Layout.table(["rank", "account", "qty", "score", "indicator"], queue.entries.map { e in
                ["\(e.rank)", Layout.accountLink(e.account), Format.amount(e.qty, places: 3), Format.amount(e.score, places: 4),
                 "<span class=\"lights\" title=\"\(e.lights) of 5\">" + String(repeating: "●", count: e.lights)
                    + String(repeating: "○", count: 5 - e.lights) + "</span>"]
            }, empty: "No holder on this side.")
        }
        out += "<h2>Recent ADL fills</h2>" + OverviewPage.entries(views.history.adl, empty: "No auto-deleveraging yet.", liquidation: false)
        return out
    }
}
