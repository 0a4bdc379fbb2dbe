/// One horizontal bar per category (the runs of a sweep, say: categories, not a time axis, so
/// not `SVGChart`), labelled on the left with its value at the bar's end; negative values in red.
public struct SVGBarChart {
    public var title: String
    public var labels: [String]
    public var values: [Double]
    public var width: Double

    public init(title: String, labels: [String], values: [Double], width: Double = 920) {
        precondition(labels.count == values.count, "one label per bar")
        self.title = title
        self.labels = labels
        self.values = values
        self.width = width
    }

    public var svg: String {
        let left = 330.0, right = 90.0, top = 26.0, bar = 14.0, gap = 4.0
        let height = top + Double(values.count) * (bar + gap) + 8
        let low = min(values.min() ?? 0, 0), high = max(values.max() ?? 0, 0)
        let span = high - low > 0 ? high - low : 1
        let plotW = width - left - right
        func x(_ v: Double) -> Double { left + plotW * (v - low) / span }
        func f(_ v: Double) -> String { SVGChart.format(v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        out += "<title>\(HTML.escape(title))</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        out += "<text x=\"8\" y=\"16\" font-size=\"13\" font-family=\"sans-serif\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        out += "<line x1=\"\(f(x(0)))\" y1=\"\(f(top - 2))\" x2=\"\(f(x(0)))\" y2=\"\(f(height - 4))\" stroke=\"#888\"/>"
        for (i, value) in values.enumerated() {
            let y = top + Double(i) * (bar + gap)
            let from = min(x(0), x(value)), to = max(x(0), x(value))
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + bar - 3))\" font-size=\"11\" text-anchor=\"end\" font-family=\"sans-serif\">\(HTML.escape(labels[i]))</text>"
            out += "<rect x=\"\(f(from))\" y=\"\(f(y))\" width=\"\(f(max(to - from, 0.5)))\" height=\"\(f(bar))\" fill=\"\(value < 0 ? "#d0452f" : "#1f5fbf")\"/>"
            out += "<text x=\"\(f(to + 4))\" y=\"\(f(y + bar - 3))\" font-size=\"10\" font-family=\"sans-serif\">\(HTML.escape(f(value)))</text>"
        }
        return out + "</svg>"
    }
}
