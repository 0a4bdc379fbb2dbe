import SolventCore

/// The explanation as plain text for a terminal: verdict, summary, formulas, tables, what-if.
public enum ReportText {
    public static func text(_ replay: LiquidationReplay, explanation: Explanation, whatIf: WhatIf? = nil) -> String {
        var lines: [String] = []
        if let mismatch = replay.mismatch {
            lines.append("verdict: mismatch at seq \(mismatch.seq)")
            lines.append(mismatch.description)
        } else {
            lines.append("verdict: reproduced (\(replay.records.count) records of the liquidation re-derived byte for byte under engine rules \(replay.rules), replayed from seq \(replay.startSeq + 1) to \(replay.life.lastSeq))")
        }
        lines += explanation.summary
        lines.append("")
        lines.append("Formulas")
        for f in explanation.formulas { lines.append("  \(f.name): \(f.formula) = \(f.numbers) = \(f.result)") }
        for t in explanation.tables { lines.append(""); lines += table(t) }
        if let whatIf {
            lines.append("")
            lines += table(ReportHTML.whatIfTable(whatIf))
            lines.append(whatIf.differs ? "the parameters change the outcome" : "no difference")
            if whatIf.skippedInputs > 0 { lines.append("(\(whatIf.skippedInputs) inputs could not apply in the what-if run, e.g. bids on auctions it never started)") }
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ t: ReportTable) -> [String] {
        var widths = t.columns.map(\.count)
        for row in t.rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in i < widths.count - 1 ? cell.rightPadded(to: widths[i]) : cell }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        return [t.title, "  " + line(t.columns)] + t.rows.map { "  " + line($0) }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
