/// A small line chart as inline SVG (no script, no external resource): polylines for series,
/// circles or squares for markers, min/max labels on both axes, a legend. Its text takes the
/// page's `SVGChart.style` (classes `t` and `a`).
/// The one chart of the audit's liquidation reports and the simulation's run reports. Doubles
/// are for drawing only.
public struct SVGChart {
    public struct Line {
        public var name: String
        public var color: String
        public var dashed: Bool
        public var points: [(x: Double, y: Double)]
        /// Drawn as steps (a value holds until the next point), as marks and margins do.
        public var steps: Bool

        public init(name: String, color: String, dashed: Bool = false, points: [(x: Double, y: Double)], steps: Bool = true) {
            self.name = name
            self.color = color
            self.dashed = dashed
            self.points = points
            self.steps = steps
        }
    }

    public struct Marker {
        public var name: String
        public var color: String
        public var square: Bool
        public var points: [(x: Double, y: Double)]

        public init(name: String, color: String, square: Bool = false, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.square = square
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var lines: [Line]
    public var markers: [Marker]
    public var width: Double
    public var height: Double
    private let left = 80.0, right = 150.0, top = 30.0, bottom = 40.0

    public init(title: String, xLabel: String, lines: [Line], markers: [Marker] = [], width: Double = 760, height: Double = 280) {
        self.title = title
        self.xLabel = xLabel
        self.lines = lines
        self.markers = markers
        self.width = width
        self.height = height
    }

    /// A series of one value per step (a minute, say) as points at x = 0, 1, 2, …; beyond
    /// `maxPoints` the steps are bucketed, keeping each bucket's value of largest magnitude so
    /// that spikes survive.
    public static func points(_ values: [Double], maxPoints: Int = 1_200) -> [(x: Double, y: Double)] {
        guard values.count > maxPoints else { return values.enumerated().map { (Double($0), $1) } }
        let size = (values.count + maxPoints - 1) / maxPoints
        return stride(from: 0, to: values.count, by: size).map { start in
            (Double(start), values[start..<min(start + size, values.count)].max { abs($0) < abs($1) }!)
        }
    }

    /// The CSS a page that shows charts includes once.
    public static let style = "svg.chart{display:block;margin:12px 0;background:#fff}.t{font-size:14px;font-weight:bold}.a{font-size:11px;fill:#444}"

    public var svg: String {
        let all = lines.flatMap(\.points) + markers.flatMap(\.points)
        guard let xs = range(all.map(\.x)), let ys = range(all.map(\.y)) else {
            return "<p class=\"empty\">\(HTML.escape(title)): no data</p>"
        }
        let plotW = width - left - right, plotH = height - top - bottom
        let px = { (x: Double) in left + (x - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * plotW }
        let py = { (y: Double) in top + plotH - (y - ys.lowerBound) / (ys.upperBound - ys.lowerBound) * plotH }
        var out = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<text x=\"\(Int(left))\" y=\"18\" class=\"t\">\(HTML.escape(title))</text>"
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#999\"/>"
        out += axisLabels(xs: xs, ys: ys, plotH: plotH)
        for line in lines where !line.points.isEmpty {
            out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5 3\"" : "") points=\"\(polyline(line, px: px, py: py, endX: xs.upperBound))\"/>"
        }
        for marker in markers {
            for p in marker.points {
                let (x, y) = (format(px(p.x)), format(py(p.y)))
                out += marker.square
                    ? "<rect x=\"\(format(px(p.x) - 3.5))\" y=\"\(format(py(p.y) - 3.5))\" width=\"7\" height=\"7\" fill=\"\(marker.color)\"/>"
                    : "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"none\" stroke=\"\(marker.color)\" stroke-width=\"1.6\"/>"
            }
        }
        out += legend()
        return out + "</svg>"
    }

    private func polyline(_ line: Line, px: (Double) -> Double, py: (Double) -> Double, endX: Double) -> String {
        var coordinates: [String] = []
        for (index, p) in line.points.enumerated() {
            if line.steps, index > 0 { coordinates.append("\(format(px(p.x))),\(format(py(line.points[index - 1].y)))") }
            coordinates.append("\(format(px(p.x))),\(format(py(p.y)))")
        }
        if line.steps, let last = line.points.last, last.x < endX { coordinates.append("\(format(px(endX))),\(format(py(last.y)))") }
        return coordinates.joined(separator: " ")
    }

    private func axisLabels(xs: ClosedRange<Double>, ys: ClosedRange<Double>, plotH: Double) -> String {
        let bottomY = Int(top + plotH)
        return "<text x=\"\(Int(left) - 6)\" y=\"\(Int(top) + 10)\" class=\"a\" text-anchor=\"end\">\(format(ys.upperBound))</text>"
            + "<text x=\"\(Int(left) - 6)\" y=\"\(bottomY)\" class=\"a\" text-anchor=\"end\">\(format(ys.lowerBound))</text>"
            + "<text x=\"\(Int(left))\" y=\"\(bottomY + 16)\" class=\"a\">\(format(xs.lowerBound))</text>"
            + "<text x=\"\(Int(width - right))\" y=\"\(bottomY + 16)\" class=\"a\" text-anchor=\"end\">\(format(xs.upperBound))</text>"
            + "<text x=\"\(Int(left + (width - left - right) / 2))\" y=\"\(bottomY + 32)\" class=\"a\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
    }

    private func legend() -> String {
        var out = ""
        var y = top + 8
        let x = width - right + 12
        for line in lines {
            out += "<line x1=\"\(format(x))\" y1=\"\(format(y))\" x2=\"\(format(x + 18))\" y2=\"\(format(y))\" stroke=\"\(line.color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            out += "<text x=\"\(format(x + 24))\" y=\"\(format(y + 4))\" class=\"a\">\(HTML.escape(line.name))</text>"
            y += 18
        }
        for marker in markers {
            out += marker.square
                ? "<rect x=\"\(format(x + 5))\" y=\"\(format(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(marker.color)\"/>"
                : "<circle cx=\"\(format(x + 9))\" cy=\"\(format(y))\" r=\"4\" fill=\"none\" stroke=\"\(marker.color)\" stroke-width=\"1.6\"/>"
            out += "<text x=\"\(format(x + 24))\" y=\"\(format(y + 4))\" class=\"a\">\(HTML.escape(marker.name))</text>"
            y += 18
        }
        return out
    }

    /// The values' range, widened a little (and made non-empty) so nothing sits on the frame.
    private func range(_ values: [Double]) -> ClosedRange<Double>? {
        guard let low = values.min(), let high = values.max() else { return nil }
        let pad = high > low ? (high - low) * 0.05 : max(abs(low) * 0.01, 1)
        return (low - pad)...(high + pad)
    }

    private func format(_ value: Double) -> String { Self.format(value) }

    /// A coordinate or a label: at most two decimals, none when whole.
    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
