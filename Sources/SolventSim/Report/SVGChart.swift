/// A self-contained SVG line chart (no script, no network): one or more series over minutes.
struct SVGChart {
    struct Series {
        var label: String
        var color: String
        var values: [Double]
    }

    var title: String
    var unit: String
    var series: [Series]
    var width = 920.0
    var height = 220.0
    /// At most this many points per line: minutes are bucketed, keeping each bucket's extreme.
    static let maxPoints = 1_200

    func svg() -> String {
        let left = 70.0, right = 12.0, top = 26.0, bottom = 24.0
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap(\.values)
        var low = min(all.min() ?? 0, 0), high = all.max() ?? 1
        if high <= low { high = low + 1 }
        if all.allSatisfy({ $0 > 0 }) && (all.min() ?? 0) > (high - (all.min() ?? 0)) { low = all.min()! * 0.98 }
        let count = series.map(\.values.count).max() ?? 0
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        out += "<title>\(escape(title))</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        out += "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-family=\"sans-serif\" font-weight=\"bold\">\(escape(title))</text>"
        for (i, s) in series.enumerated() where series.count > 1 {
            let x = width - right - 160.0 * Double(series.count - i)
            out += "<rect x=\"\(x)\" y=\"7\" width=\"12\" height=\"4\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(x + 16)\" y=\"13\" font-size=\"11\" font-family=\"sans-serif\">\(escape(s.label))</text>"
        }
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            let y = top + plotH - plotH * Double(tick) / 4
            out += "<line x1=\"\(left)\" y1=\(q(y)) x2=\"\(left + plotW)\" y2=\(q(y)) stroke=\"#ddd\"/>"
            out += "<text x=\"\(left - 4)\" y=\(q(y + 4)) font-size=\"10\" text-anchor=\"end\" font-family=\"sans-serif\">\(label(value))</text>"
        }
        out += "<text x=\"\(left)\" y=\"\(height - 6)\" font-size=\"10\" font-family=\"sans-serif\">minute 0</text>"
        out += "<text x=\"\(left + plotW)\" y=\"\(height - 6)\" font-size=\"10\" text-anchor=\"end\" font-family=\"sans-serif\">minute \(max(count - 1, 0)) (\(escape(unit)))</text>"
        for s in series {
            let points = Self.bucketed(s.values)
            guard !points.isEmpty else { continue }
            let span = Double(max(points.count - 1, 1))
            let coordinates = points.enumerated().map { i, v in
                "\(fmt(left + plotW * Double(i) / span)),\(fmt(top + plotH - plotH * (v - low) / (high - low)))"
            }
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.4\" points=\"\(coordinates.joined(separator: " "))\"/>"
        }
        return out + "</svg>"
    }

    /// Keeps each bucket's value of largest magnitude, so spikes survive.
    static func bucketed(_ values: [Double]) -> [Double] {
        guard values.count > maxPoints else { return values }
        let size = (values.count + maxPoints - 1) / maxPoints
        return stride(from: 0, to: values.count, by: size).map { start in
            values[start..<min(start + size, values.count)].max { abs($0) < abs($1) }!
        }
    }

    private func q(_ v: Double) -> String { "\"\(fmt(v))\"" }
    private func fmt(_ v: Double) -> String { String(Int64((v * 10).rounded())) .withDecimal }
    private func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return trimmed(v / 1e9) + "G" }
        if a >= 1e6 { return trimmed(v / 1e6) + "M" }
        if a >= 1e3 { return trimmed(v / 1e3) + "k" }
        if a >= 1 || a == 0 { return trimmed(v) }
        return String(Int64((v * 1e6).rounded())) + "µ"
    }
    private func trimmed(_ v: Double) -> String { String(Int64((v * 100).rounded())).withDecimal2 }
}

func escape(_ text: String) -> String {
    text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    /// "1234" (tenths) → "123.4".
    var withDecimal: String { insertingPoint(digits: 1) }
    /// "1234" (hundredths) → "12.34".
    var withDecimal2: String { insertingPoint(digits: 2) }

    private func insertingPoint(digits: Int) -> String {
        let negative = hasPrefix("-")
        var body = negative ? String(dropFirst()) : self
        while body.count <= digits { body = "0" + body }
        let point = body.index(body.endIndex, offsetBy: -digits)
        var text = String(body[..<point]) + "." + String(body[point...])
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return (negative ? "-" : "") + text
    }
}
