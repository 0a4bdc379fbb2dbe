import ArgumentParser
import Foundation
import SolventCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency against same-run baselines (SPEC §10).",
        discussion: "Figures are printed one per line; --json prints {bench, value, unit, baseline?, ratio?} objects."
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case store, ingest, replay, tick, restart, tickindex, simulate, overload, all
    }

    @Argument(help: "Which bench: store, ingest, replay, tick, restart, tickindex, simulate, overload or all.") var suite: Suite = .all
    @Flag(help: "One JSON object per figure per line.") var json = false
    @Option(help: "Scale record counts by this factor (e.g. 0.1 for a quick run).") var scale: Double = 1
    @Option(help: "The solventd that bench ingest, restart and overload start (default: the one next to this executable).") var daemon: String?
    @Option(help: "ingest: measure only these figures (ndjson, binary, clients64; comma-separated; default all).")
    var only: IngestBench.Figures = .all
    @Option(help: "ingest: the daemon's commitDelayUs (default: its own default), e.g. 0 to compare without the group-commit window.")
    var commitDelayUs: UInt64?
    @Option(help: "replay: keep the built log in this directory and reuse it on later runs (same --scale and --snapshot-every).")
    var log: String?
    @Option(help: "replay: store a state.root every this many records (default: the log default, 100000).")
    var snapshotEvery: UInt64?
    @Flag(help: ArgumentHelp("replay: only build the log into --log (the bench runs this in a separate process).", visibility: .hidden))
    var buildOnly = false

    func run() async throws {
        var report = BenchReport(json: json)
        if suite == .store || suite == .all {
            try StoreBench(scale: scale).run(&report)
            try StoreKeysBench(scale: scale).run(&report)
        }
        if suite == .ingest || suite == .all {
            try await IngestBench(scale: scale, daemonPath: daemon ?? BenchDaemon.defaultExecutable(), figures: only,
                                  commitDelayUs: commitDelayUs).run(&report)
        }
        if suite == .replay || suite == .all {
            let bench = ReplayBench(scale: scale, logDirectory: log, snapshotEvery: snapshotEvery, json: json)
            if buildOnly { return try bench.buildOnly(&report) }
            try bench.run(&report)
        }
        if suite == .tick || suite == .all { try TickBench(scale: scale).run(&report) }
        if suite == .restart || suite == .all { try await RestartBench(scale: scale, daemonPath: daemon ?? BenchDaemon.defaultExecutable()).run(&report) }
        if suite == .tickindex || suite == .all { try TickIndexBench(scale: scale).run(&report) }
        if suite == .simulate || suite == .all { try SimulateBench(scale: scale).run(&report) }
        if suite == .overload || suite == .all {
            try await OverloadBench(scale: scale, daemonPath: daemon ?? BenchDaemon.defaultExecutable()).run(&report)
        }
    }
}

/// One measured figure (SPEC §9 bench shape).
struct BenchFigure {
    var bench: String
    var value: Double
    var unit: String
    var baseline: Double?
    var note: String?

    var ratio: Double? { baseline.map { $0 > 0 ? value / $0 : 0 } }
}

struct BenchReport {
    let json: Bool

    mutating func add(_ figure: BenchFigure) {
        if json {
            var members = [
                JSONMember("bench", .string(figure.bench)),
                JSONMember("value", .number(Self.number(figure.value))),
                JSONMember("unit", .string(figure.unit)),
            ]
            if let baseline = figure.baseline {
                members.append(JSONMember("baseline", .number(Self.number(baseline))))
                members.append(JSONMember("ratio", .number(String(format: "%.3f", figure.ratio!))))
            }
            if let note = figure.note { members.append(JSONMember("note", .string(note))) }
            emit(JSONWriter.string(.object(members)))
        } else {
            var line = "\(figure.bench): \(Self.number(figure.value)) \(figure.unit)"
            if let baseline = figure.baseline {
                line += "  (baseline \(Self.number(baseline)), ratio \(String(format: "%.3f", figure.ratio!)))"
            }
            if let note = figure.note { line += "  [\(note)]" }
            emit(line)
        }
    }

    /// Unbuffered, so each figure shows as soon as it is measured.
    private func emit(_ line: String) {
        writeStandardOutput(Array((line + "\n").utf8))
    }

    static func number(_ value: Double) -> String {
        value >= 100 ? String(Int64(value.rounded())) : String(format: "%.3f", value)
    }
}

/// A fresh temporary directory for one bench run, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "solvent-bench-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Seconds taken by `body`.
func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
