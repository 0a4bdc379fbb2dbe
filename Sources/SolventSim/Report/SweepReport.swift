import SolventCharts
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
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(title))</title>"
        html += "<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}"
        html += "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}"
        html += "svg{display:block;margin:10px 0;border:1px solid #eee}</style></head><body>"
        html += "<h1>\(HTML.escape(title))</h1>"
        if let first = rows.first?.summary {
            html += "<p>\(rows.count) runs, \(first.accounts) traders each; impact \(first.impact.kind.rawValue) "
            html += "k = \(SimSummary.fixed(first.impact.coefficient, digits: 4)), half-life \(first.impact.halfLifeMs / 1000) s.</p>"
        }
        let (header, lines) = cells(rows)
        html += "<table><tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for line in lines { html += "<tr>" + line.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }
        html += "</table><h2>Figures across the runs</h2>"
        let labels = rows.map { "\($0.file) · \($0.params) · seed \($0.seed)" }
        for (i, key) in Sweep.figureKeys.enumerated() {
            let values = rows.map { Double(text($0.figures[i].value)) ?? 0 }
            html += SVGBarChart(title: key, labels: labels, values: values).svg
        }
        html += "<p>Definitions: docs/CASCADES.md (\"Output\", \"Sweeps\"). Every figure is read off the records the engine derived.</p>"
        return html + "</body></html>\n"
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        default: JSONWriter.string(value)
        }
    }
}
