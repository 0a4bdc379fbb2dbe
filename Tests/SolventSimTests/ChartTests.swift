import SolventCharts
import Testing

/// The one chart module the audit's and the simulation's reports draw with.
@Suite struct ChartTests {
    @Test func shortSeriesKeepEveryStep() {
        let points = SVGChart.points([3, 1, 4])
        #expect(points.map(\.x) == [0, 1, 2])
        #expect(points.map(\.y) == [3, 1, 4])
    }

    /// A day of minutes is bucketed to at most 1,200 points, and a one-minute spike survives.
    @Test func longSeriesAreBucketedKeepingSpikes() {
        var values = [Double](repeating: 1, count: 2_880)
        values[1_001] = -50
        let points = SVGChart.points(values)
        #expect(points.count <= 1_200)
        #expect(points.contains { $0.y == -50 })
        #expect(points.first?.x == 0)
        #expect(points.map(\.x) == points.map(\.x).sorted())
    }

    @Test func aLineChartDrawsEachLineWithALegendAndEscapesText() {
        let chart = SVGChart(title: "fund <equity> & debt", xLabel: "minute",
                             lines: [SVGChart.Line(name: "a", color: "#111", points: [(0, 1), (1, 2)]),
                                     SVGChart.Line(name: "b\"", color: "#222", points: [(0, 3), (1, 1)], steps: false)],
                             markers: [SVGChart.Marker(name: "fill", color: "#333", square: true, points: [(1, 2)])])
        let svg = chart.svg
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains("fund &lt;equity&gt; &amp; debt"))
        #expect(svg.contains(">b&quot;</text>"))
        #expect(!svg.contains("<equity>"))
    }

    @Test func aChartWithoutPointsSaysSo() {
        #expect(SVGChart(title: "t", xLabel: "", lines: []).svg.contains("no data"))
    }

    @Test func barsAreOnePerValueAndNegativeOnesRed() {
        let svg = SVGBarChart(title: "bad debt", labels: ["x", "y", "z"], values: [2, -1, 0.5]).svg
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == 3)
        #expect(svg.components(separatedBy: "fill=\"#d0452f\"").count - 1 == 1)
        #expect(svg.contains(">0.5</text>"))
    }
}
