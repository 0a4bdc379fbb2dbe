import SolventCharts
import SolventCore

/// `/`: per market the mark, open interest, accounts in margin call and being liquidated,
/// liquidations per minute and running auctions; the fund's equity over time, bad debt, ADL.
enum OverviewPage {
    static func body(_ views: DashboardViews) -> String {
        var out = cards(views)
        out += "<h2>Markets</h2>"
        out += Layout.table(
            ["market", "mark", "open interest", "OI notional", "holders", "margin calls", "liquidating", "liquidations this minute", "auctions", "state"],
            views.markets.map { line in
                let v = line.view
                return [
                    "<a href=\"/map?market=\(HTML.escape(v.market.text))\">\(HTML.escape(v.market.text))</a>",
                    v.mark.map { Format.amount($0) } ?? "–", Format.amount(v.openInterest, places: 3),
                    Format.amount(v.openInterestNotional, places: 0), "\(v.holders)", "\(v.marginCalls)",
                    "\(v.liquidating)", "<span class=\"lpm\">\(line.liquidationsLastMinute)</span>", "\(v.auctions)",
                    v.halted ? "<span class=\"bad\">halted</span>" : "trading",
                ]
            }, empty: "No market listed yet.")
        out += fundChart(views)
        for line in views.markets where line.perMinute.contains(where: { $0 > 0 }) {
            out += SVGChart(title: "\(line.view.market): liquidations per minute (last \(DashboardViews.minutesShown) minutes of log time)",
                            xLabel: "minutes before the log's last time",
                            lines: [.init(name: "liquidations", color: "#c62828",
                                          points: line.perMinute.enumerated().map { (Double($0.offset - line.perMinute.count + 1), Double($0.element)) })],
                            height: 180).svg
        }
        out += "<h2>Recent liquidations</h2>" + entries(views.history.liquidations, empty: "No liquidation yet.", liquidation: true)
        out += "<h2>Recent ADL</h2>" + entries(views.history.adl, empty: "No auto-deleveraging yet.", liquidation: false)
        return out
    }

    private static func cards(_ views: DashboardViews) -> String {
        let fund = views.fund
        let open = views.ledger.badDebt()
        let cards = [
            ("insurance fund equity", fund.map { Format.amount($0.equity) } ?? "–", fund.map { $0.equity.isNegative } ?? false),
            ("fund cash", fund.map { Format.amount($0.cash) } ?? "–", false),
            ("liquidations", "<span id=\"liquidation-count\">\(views.history.liquidationCount)</span>", false),
            ("ADL events", "\(views.history.adlCount)", false),
            ("bad debt recorded", Format.amount(views.history.badDebtRecorded), views.history.badDebtRecorded.isPositive),
            ("bad debt open", Format.amount(open), open.isPositive),
            ("running auctions", "\(views.ledger.engineFigures.runningAuctions)", false),
        ]
        return "<div class=\"cards\">" + cards.map { name, value, bad in
            "<div class=\"card\"><b\(bad ? " class=\"bad\"" : "")>\(value)</b>\(name)</div>"
        }.joined() + "</div>"
    }

    private static func fundChart(_ views: DashboardViews) -> String {
        // From the first record that funded the fund: the genesis zero would flatten the chart.
        let points = views.history.fund.drop { $0.equity.isZero && $0.cash.isZero }
        guard let first = points.first else { return "" }
        let minutes = points.map { (x: Double($0.timeMs.rawValue - first.timeMs.rawValue) / 60_000, y: Format.double($0.equity)) }
        return SVGChart(title: "Insurance fund equity (log time, minutes from \(Format.time(first.timeMs)))",
                        xLabel: "minutes", lines: [.init(name: "equity", color: "#1f5fbf", points: minutes)]).svg
    }

    static func entries(_ list: [History.Entry], empty: String, liquidation: Bool) -> String {
        Layout.table(["seq", "log time", "account", "what"], list.suffix(20).reversed().map { e in
            [liquidation ? Layout.liquidationLink(e.seq) : "\(e.seq)", Format.time(e.timeMs),
             e.account.map(Layout.accountLink) ?? "", HTML.escape(e.summary)]
        }, empty: empty)
    }
}
