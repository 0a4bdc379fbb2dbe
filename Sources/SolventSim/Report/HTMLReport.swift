import SolventCharts
import SolventCore

/// The HTML page of a run or of a comparison: the figures as a table and the minute series as
/// inline SVG charts. Self-contained: no script, no style sheet or font from the network.
public enum HTMLReport {
    /// One labelled run.
    public struct Run {
        public var label: String
        public var result: SimResult
        public init(label: String, result: SimResult) {
            self.label = label
            self.result = result
        }
    }

    static let colors = ["#1f5fbf", "#d0452f", "#2a9d4b", "#8a4fbf"]

    public static func page(title: String, runs: [Run]) -> String {
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(title))</title>"
        html += "<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}"
        html += "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}th:first-child,td:first-child{text-align:left}"
        html += ".diff{color:#b00}svg{display:block;margin:10px 0;border:1px solid #eee}\(SVGChart.style)</style></head><body>"
        html += "<h1>\(HTML.escape(title))</h1>"
        html += setting(runs)
        html += figures(runs)
        html += charts(runs)
        html += "<p>Definitions: docs/CASCADES.md. Every figure is read off the records the engine derived.</p>"
        return html + "</body></html>\n"
    }

    private static func setting(_ runs: [Run]) -> String {
        guard let first = runs.first?.result.summary else { return "" }
        var html = "<p>Market \(HTML.escape(first.market.text)), \(HTML.escape(UTCTime.format(ms: first.startMs))) to "
        html += "\(HTML.escape(UTCTime.format(ms: first.endMs))); \(first.accounts) traders, \(first.bots) bots, seed \(first.seed); "
        html += "open interest \(HTML.escape(first.openInterest.description)); impact \(first.impact.kind.rawValue) "
        html += "k = \(SimSummary.fixed(first.impact.coefficient, digits: 4)), half-life \(first.impact.halfLifeMs / 1000) s.</p>"
        html += "<table><tr><th>parameter</th>" + runs.map { "<th>\(HTML.escape($0.label))</th>" }.joined() + "</tr>"
        let sets = runs.map { params(of: $0.result.summary) }
        for (i, member) in sets[0].enumerated() {
            let values = sets.map { $0[i].value }
            let differs = values.contains { $0 != values[0] }
            html += "<tr\(differs ? " class=\"diff\"" : "")><td>\(HTML.escape(member.key))</td>"
            html += values.map { "<td>\(HTML.escape(text($0)))</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    private static func params(of summary: SimSummary) -> [JSONMember] {
        guard case .object(let members) = RecordJSON.json(payload: ParamsSet(full: summary.params)) else { return [] }
        return members.filter { $0.value != .null }
    }

    private static func figures(_ runs: [Run]) -> String {
        var html = "<h2>Figures</h2><table><tr><th>figure</th>" + runs.map { "<th>\(HTML.escape($0.label))</th>" }.joined() + "</tr>"
        let all = runs.map(\.result.summary.figures)
        for (i, figure) in all[0].enumerated() {
            html += "<tr><td>\(HTML.escape(figure.key))</td>" + all.map { "<td>\(HTML.escape(text($0[i].value)))</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        default: JSONWriter.string(value)
        }
    }

    private static func charts(_ runs: [Run]) -> String {
        func money(_ m: Money) -> Double { Double(m.raw) / Double(fixedScale) }
        func price(_ p: Price) -> Double { Double(p.raw) / Double(fixedScale) }
        func line(_ label: String, _ color: String, _ values: [Double]) -> SVGChart.Line {
            SVGChart.Line(name: label, color: color, points: SVGChart.points(values), steps: false)
        }
        func series(_ pick: (MinuteRow) -> Double) -> [SVGChart.Line] {
            runs.enumerated().map { i, run in line(run.label, colors[i % colors.count], run.result.minutes.map(pick)) }
        }
        var priceSeries = [line("recorded", "#888", runs[0].result.minutes.map { price($0.recorded) })]
        for (i, run) in runs.enumerated() {
            priceSeries.append(line("mark " + run.label, colors[i % colors.count], run.result.minutes.map { price($0.mark) }))
        }
        var cascade: [SVGChart.Line] = []
        for (i, run) in runs.enumerated() {
            var total = 0.0
            cascade.append(line(run.label, colors[i % colors.count], run.result.minutes.map { total += Double($0.cascade); return total }))
        }
        func chart(_ title: String, _ unit: String, _ lines: [SVGChart.Line]) -> SVGChart {
            SVGChart(title: title, xLabel: "minute (\(unit))", lines: lines, width: 920, height: 260)
        }
        let charts = [
            chart("Recorded price and simulated mark", "price", priceSeries),
            chart("Liquidations started per minute", "count", series { Double($0.liquidations) }),
            chart("Liquidated notional per minute", "quote", series { money($0.liquidatedNotional) }),
            chart("Cascade depth (cumulative liquidations caused by impact)", "count", cascade),
            chart("Auctions running", "count", series { Double($0.auctionsRunning) }),
            chart("Insurance fund equity", "quote", series { money($0.insuranceEquity) }),
            chart("Bad debt (cumulative)", "quote", series { money($0.badDebt) }),
            chart("ADL events per minute", "count", series { Double($0.adl) }),
        ]
        return "<h2>Per minute</h2>" + charts.map(\.svg).joined()
    }
}
