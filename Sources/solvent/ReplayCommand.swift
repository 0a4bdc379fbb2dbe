import ArgumentParser
import Foundation
import SolventAudit
import SolventCore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Reproduce and explain a historical liquidation (read-only; safe beside a running daemon).",
        discussion: """
            ID is the liquidation id: the seq of its liquidation.started record (`replay --list` \
            shows them). The replay loads the nearest snapshot before the liquidation's cause, \
            re-applies the log and compares every record of the liquidation, byte for byte; \
            exit 1 on a mismatch. --params FILE re-runs the account's episode under other \
            parameters (a JSON object of params.set fields, partial allowed).
            """
    )

    @OptionGroup var options: DataOptions

    @Option(help: "The liquidation id (seq of its liquidation.started).") var liquidation: UInt64?
    @Flag(help: "List every liquidation instead.") var list = false
    @Option(help: "With --list: only this account's liquidations.") var account: String?
    @Flag(help: "JSON (SPEC §9 shape).") var json = false
    @Option(help: "Write a self-contained HTML report with SVG charts to FILE.") var html: String?
    @Option(help: "What-if: a params file to compare against.") var params: String?

    func validate() throws {
        guard list != (liquidation != nil) else { throw ValidationError("give exactly one of --liquidation ID and --list") }
        if list, html != nil || params != nil { throw ValidationError("--html and --params go with --liquidation") }
        if json, html != nil { throw ValidationError("give --json or --html, not both") }
    }

    func run() throws {
        let log = try AuditLog(directory: options.data)
        var progress = Progress("replay", total: try log.lastSeq.rawValue)
        defer { progress.finish() }
        let report: (Seq) -> Void = { progress.update($0.rawValue) }
        if list { return try printList(log, progress: report) }
        let replay = try LiquidationReplay.run(Seq(liquidation!), in: log, progress: report)
        let whatIf = try params.map { try WhatIf.run(replay.life, overlay: WhatIf.parseParams(try readInput($0)), inForce: replay.params, in: log, progress: report) }
        progress.finish()
        let explanation = Explanation(replay)
        if let html {
            let page = ReportHTML.page(replay, explanation: explanation, whatIf: whatIf)
            guard FileManager.default.createFile(atPath: html, contents: Data(page.utf8)) else {
                throw CommandFailure(message: "cannot write \(html)")
            }
            print("\(replay.verdict): report written to \(html)")
        } else if json {
            print(JSONWriter.string(ReportJSON.json(replay, explanation: explanation, whatIf: whatIf)))
        } else {
            print(ReportText.text(replay, explanation: explanation, whatIf: whatIf))
        }
        if replay.mismatch != nil { throw ExitCode.failure }
    }

    private func printList(_ log: AuditLog, progress: @escaping (Seq) -> Void) throws {
        let filter = try account.map { text in
            do { return try AccountID(text) } catch { throw ValidationError("--account: \(error)") }
        }
        let all = try LiquidationSummary.all(in: log, account: filter, progress: progress)
        var out = StandardOutput()
        for item in all {
            out.line(json ? JSONWriter.string(item.json)
                : "\(item.liquidation)\t\(item.time)\t\(item.account)\t\(item.trigger.rawValue)\t\(item.market) qty \(item.qty) notional \(item.notional)\t\(item.outcome)")
        }
        out.flush()
    }
}
