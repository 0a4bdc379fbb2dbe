import Foundation
import SolventCore
import SolventSim

/// Where the playback is, for the view.
struct DemoMoment: Sendable {
    var marketMs: TimeMs
    var price: Price
    var lowest: Price
    var stepsDone: Int
    var steps: Int
    var wallSeconds: Double
    /// Each bot process and its exit status once it has exited (filled in by the session).
    var bots: [(name: String, exitStatus: Int32?)] = []

    /// Market time played per second of real time so far (below `--speed` when the machine lags).
    func actualSpeed(startMs: TimeMs) -> Double {
        wallSeconds > 0 ? Double(marketMs - startMs) / 1000 / wallSeconds : 0
    }
}

/// The live view: on a terminal a block redrawn in place (ANSI cursor-up and erase-line), at
/// most ten times a second; otherwise one line per minute of market time.
struct DemoView {
    let plan: DemoPlan
    let speed: Double
    let terminal: Bool
    private var drawnLines = 0
    private var lastDraw: Double = -1
    private var printedMinute: Int64
    /// The path's price at each printed minute (a batch spans several minutes at high speed).
    private var lineCursor: PricePath.Cursor

    init(plan: DemoPlan, speed: Double, terminal: Bool) {
        self.plan = plan
        self.speed = speed
        self.terminal = terminal
        printedMinute = plan.path.startMs.rawValue / 60_000 - 1
        lineCursor = plan.path.cursor()
    }

    /// Called after every batch; `final` forces the last frame.
    mutating func update(_ moment: DemoMoment, _ figures: DemoFigures, final: Bool = false) {
        if terminal {
            guard final || moment.wallSeconds - lastDraw >= 0.1 else { return }
            lastDraw = moment.wallSeconds
            redraw(block(moment, figures))
        } else {
            // One line per market minute passed (the last price and counts at the time).
            let minute = moment.marketMs.rawValue / 60_000
            while printedMinute < minute {
                printedMinute += 1
                let minuteMs = TimeMs(printedMinute * 60_000)
                print(line(minuteMs: minuteMs, price: lineCursor.price(at: minuteMs), figures))
            }
        }
    }

    /// Leaves the terminal as it was found (the cursor shown).
    static func restoreTerminal() {
        if isatty(STDOUT_FILENO) == 1 { FileHandle.standardOutput.write(Data("\u{1B}[?25h".utf8)) }
    }

    private mutating func redraw(_ lines: [String]) {
        var text = drawnLines == 0 ? "\u{1B}[?25l" : "\u{1B}[\(drawnLines)A"
        for line in lines { text += "\r\u{1B}[2K" + line + "\n" }
        drawnLines = lines.count
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func block(_ m: DemoMoment, _ f: DemoFigures) -> [String] {
        let width = 30
        let filled = m.steps == 0 ? width : width * m.stepsDone / m.steps
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let fills = Dictionary(f.botFills.map { ($0.bot, $0.fills) }, uniquingKeysWith: +)
        let bots = m.bots.isEmpty ? "none" : m.bots.map { bot in
            "\(bot.name) \(fills[bot.name] ?? 0) fills" + (bot.exitStatus.map { " (exited \($0), see its log)" } ?? "")
        }.joined(separator: ", ")
        return [
            "\(plan.market) · \(plan.fileName) · \(Self.decimal(speed))× real time",
            "market time   \(UTCTime.format(ms: m.marketMs))  [\(bar)] \(m.steps == 0 ? 100 : 100 * m.stepsDone / m.steps)%  "
                + "\(String(format: "%.1f", m.wallSeconds)) s (\(String(format: "%.0f", m.actualSpeed(startMs: plan.path.startMs)))×)",
            "price         \(m.price)  (\(change(m.price)) from \(plan.path.firstPrice); low \(m.lowest))",
            "margin calls  \(f.marginCalls) accounts of \(plan.traderCount)",
            "auctions      \(f.auctionsRunning) running; \(f.fills) fills (bots \(f.fills - f.fundFills), insurance backstop \(f.fundFills))",
            "liquidations  \(f.liquidationsStarted) started, \(f.liquidationsFinished) finished, \(f.deferred) deferred; "
                + "\(f.liquidatedAccounts) accounts",
            "insurance     equity \(f.insurance.map(\.description) ?? "…") at the marks (deposited \(plan.population.insuranceDeposit))",
            "bad debt      \(f.badDebt)",
            "ADL           \(f.adl)",
            "bots          \(bots)",
            "log           seq \(f.lastSeq)",
        ]
    }

    func line(minuteMs: TimeMs, price: Price, _ f: DemoFigures) -> String {
        let time = String(UTCTime.format(ms: minuteMs).dropLast(4)) + "Z"
        return "\(time) price \(price) calls \(f.marginCalls) auctions \(f.auctionsRunning) "
            + "liquidations \(f.liquidationsStarted) insurance-equity \(f.insurance.map(\.description) ?? "-") "
            + "bad-debt \(f.badDebt) adl \(f.adl) seq \(f.lastSeq)"
    }

    /// "-34.52%" against the first price (display only).
    private func change(_ price: Price) -> String {
        let first = Double(plan.path.firstPrice.raw)
        let percent = (Double(price.raw) - first) / first * 100
        return String(format: "%+.2f%%", percent)
    }

    static func decimal(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
