import SolventCore

/// The table of a sweep as text, JSON or a self-contained HTML page (one SVG chart per figure).
public enum SweepReport {
    /// Column headers and one line of cells per run, in the rows' order.
    public static func cells(_ rows: [Sweep.Row]) -> (header: [String], lines: [[String]]) {
        let header = ["file", "params", "seed"] + Sweep.figureKeys
        let lines = rows.map { row in [row.file, row.params, String(row.seed)] + row.figures.map { text($0.value) } }
        return (header, lines)
    }

    /// Aligned columns, one line per run.
    public static func text(_ rows: [Sweep.Row]) -> String {
        let (header, lines) = cells(rows)
        let widths = header.indices.map { i in ([header[i]] + lines.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + lines.map(line)).joined(separator: "\n") + "\n"
    }

    /// An array of `Sweep.Row.json`.
    public static func json(_ rows: [Sweep.Row]) -> JSONValue { .array(rows.map(\.json)) }

    public static func page(title: String, rows: [Sweep.Row]) -> String {
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title>"
        html += "<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}"
        html += "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}"
        html += "svg{display:block;margin:10px 0;border:1px solid #eee}</style></head><body>"
        html += "<h1>\(escape(title))</h1>"
        if let first = rows.first?.summary {
            html += "<p>\(rows.count) runs, \(first.accounts) traders each; impact \(first.impact.kind.rawValue) "
            html += "k = \(SimSummary.fixed(first.impact.coefficient, digits: 4)), half-life \(first.impact.halfLifeMs / 1000) s.</p>"
        }
        let (header, lines) = cells(rows)
        html += "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for line in lines { html += "<tr>" + line.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        html += "</table><h2>Figures across the runs</h2>"
        let labels = rows.map { "\($0.file) · \($0.params) · seed \($0.seed)" }
        for (i, key) in Sweep.figureKeys.enumerated() {
            let values = rows.map { Double(text($0.figures[i].value)) ?? 0 }
            html += barChart(title: key, labels: labels, values: values)
        }
        html += "<p>Definitions: docs/CASCADES.md (\"Output\", \"Sweeps\"). Every figure is read off the records the engine derived.</p>"
        return html + "</body></html>\n"
    }

    /// One horizontal bar per run (the runs are categories, not a time axis, so not `SVGChart`).
    static func barChart(title: String, labels: [String], values: [Double]) -> String {
        let left = 330.0, right = 90.0, top = 26.0, bar = 14.0, gap = 4.0, width = 920.0
        let height = top + Double(values.count) * (bar + gap) + 8
        let low = min(values.min() ?? 0, 0), high = max(values.max() ?? 0, 0)
        let span = high - low > 0 ? high - low : 1
        let plotW = width - left - right
        func x(_ v: Double) -> Double { left + plotW * (v - low) / span }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        out += "<title>\(escape(title))</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        out += "<text x=\"8\" y=\"16\" font-size=\"13\" font-family=\"sans-serif\" font-weight=\"bold\">\(escape(title))</text>"
        out += "<line x1=\"\(fmt(x(0)))\" y1=\"\(fmt(top - 2))\" x2=\"\(fmt(x(0)))\" y2=\"\(fmt(height - 4))\" stroke=\"#888\"/>"
        for (i, value) in values.enumerated() {
            let y = top + Double(i) * (bar + gap)
            let from = min(x(0), x(value)), to = max(x(0), x(value))
            out += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + bar - 3))\" font-size=\"11\" text-anchor=\"end\" font-family=\"sans-serif\">\(escape(labels[i]))</text>"
            out += "<rect x=\"\(fmt(from))\" y=\"\(fmt(y))\" width=\"\(fmt(max(to - from, 0.5)))\" height=\"\(fmt(bar))\" fill=\"\(value < 0 ? "#d0452f" : "#1f5fbf")\"/>"
            out += "<text x=\"\(fmt(to + 4))\" y=\"\(fmt(y + bar - 3))\" font-size=\"10\" font-family=\"sans-serif\">\(escape(number(value)))</text>"
        }
        return out + "</svg>"
    }

    private static func fmt(_ v: Double) -> String { String(Int64((v * 10).rounded())).withDecimal }

    private static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : SimSummary.fixed(v, digits: 2)
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        default: JSONWriter.string(value)
        }
    }
}
