import SolventCharts
import SolventCore

/// `/map?market=M`: notional that would be liquidated at each price level down and up from the
/// mark, and what a 5 / 10 / 20 % move liquidates.
enum MapPage {
    static func body(_ views: DashboardViews, market: MarketID?, bucketBps: Int, buckets: Int) -> String {
        let ids = views.ledger.marketIDs
        var out = "<p>Markets: " + ids.map { "<a href=\"/map?market=\(HTML.escape($0.text))\">\(HTML.escape($0.text))</a>" }
            .joined(separator: " · ") + "</p>"
        guard let market = market ?? ids.first else { return out + "<p class=\"empty\">No market listed yet.</p>" }
        guard let map = views.map(market: market, bucketBps: bucketBps, buckets: buckets) else {
            return out + "<p class=\"empty\">\(HTML.escape(market.text)) has no mark yet.</p>"
        }
        out += "<h2>\(HTML.escape(market.text)) at mark \(Format.amount(map.mark)): \(map.positions) positions with a liquidation price</h2>"
        out += Layout.table(["move", "liquidates (down)", "notional (down)", "liquidates (up)", "notional (up)"], map.moves.map { m in
            ["\(m.percent) %", "<span class=\"move-down-\(m.percent)\">\(m.down.accounts)</span> accounts",
             Format.amount(m.down.notional, places: 0), "\(m.up.accounts) accounts", Format.amount(m.up.notional, places: 0)]
        }, empty: "")
        let span = Double(map.bucketBps * map.above.count) / 100
        out += "<p>Beyond ±\(Format.amount(String(span))) % of the mark: longs \(Format.amount(map.beyond.below, places: 0)), "
            + "shorts \(Format.amount(map.beyond.above, places: 0)) notional. Wider or narrower: "
            + "<a href=\"/map?market=\(HTML.escape(market.text))&amp;bucket=\(map.bucketBps * 2)&amp;buckets=\(map.above.count)\">buckets of "
            + "\(Format.amount(String(Double(map.bucketBps * 2) / 100))) %</a>, "
            + "<a href=\"/map?market=\(HTML.escape(market.text))&amp;bucket=\(max(1, map.bucketBps / 2))&amp;buckets=\(map.above.count)\">buckets of "
            + "\(Format.amount(String(Double(max(1, map.bucketBps / 2)) / 100))) %</a>.</p>"
        out += chart(map)
        return out
    }

    /// Shorts above the mark (blue, to the right), longs below it (red, to the left), the
    /// farthest prices at the top and bottom.
    static func chart(_ map: LiquidationMap) -> String {
        var labels: [String] = []
        var values: [Double] = []
        for bucket in map.above.reversed() {
            labels.append("shorts \(Format.amount(bucket.near)) – \(Format.amount(bucket.far)) (\(bucket.accounts))")
            values.append(Format.double(bucket.notional))
        }
        labels.append("mark \(Format.amount(map.mark))")
        values.append(0)
        for bucket in map.below {
            labels.append("longs \(Format.amount(bucket.far)) – \(Format.amount(bucket.near)) (\(bucket.accounts))")
            values.append(-Format.double(bucket.notional))
        }
        let title = "Notional liquidated by price level, buckets of \(Double(map.bucketBps) / 100) % of the mark"
        return SVGBarChart(title: title, labels: labels, values: values).svg
    }
}
