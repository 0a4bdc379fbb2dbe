import ArgumentParser
import Foundation
import SolventBench
import SolventDrills

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency against same-run baselines (SPEC §10).",
        discussion: "Figures are printed one per line; --json prints {bench, value, unit, baseline?, ratio?} objects."
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case store, ingest, codec, replay, tick, restart, tickindex, simulate, overload, all
    }

    @Argument(help: "Which bench: store, ingest, codec, replay, tick, restart, tickindex, simulate, overload or all.") var suite: Suite = .all
    @Flag(help: "One JSON object per figure per line.") var json = false
    @Option(help: "Scale record counts by this factor (e.g. 0.1 for a quick run).") var scale: Double = 1
    @Option(help: "The solventd that bench ingest, restart and overload start (default: the one next to this executable).") var daemon: String?
    @Option(help: "ingest: measure only these figures (binary.batch, ndjson.batch, ndjson, binary, clients64; comma-separated; default all).")
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
        var report = BenchReport(json: json, write: writeStandardOutput)
        if suite == .store || suite == .all {
            try StoreBench(scale: scale).run(&report)
            try StoreKeysBench(scale: scale).run(&report)
        }
        if suite == .ingest || suite == .all {
            try await IngestBench(scale: scale, daemonPath: daemon ?? BenchDaemon.defaultExecutable(), figures: only,
                                  commitDelayUs: commitDelayUs).run(&report)
        }
        if suite == .codec || suite == .all { try CodecBench(scale: scale).run(&report) }
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

extension IngestBench.Figures: ExpressibleByArgument {
    public init?(argument: String) { self.init(names: argument) }
}
