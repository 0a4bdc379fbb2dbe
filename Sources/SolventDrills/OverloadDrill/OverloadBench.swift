import Foundation
import SolventBench

/// `solvent bench overload`: the overload drill of issue 10 against a real `solventd` (a fresh
/// one per phase). A well-behaved client's ack latency (one append in flight) while 1,000
/// connections are open, while clients pipeline and never read, while subscribers never read,
/// and while 2 MiB lines flood in, each against the same client alone on the same daemon just
/// before (the baseline; the target is within 2×); and the daemon's peak resident memory
/// (VmHWM) with the attack against before it. The offenders' fates are in the notes.
public struct OverloadBench {
    let scale: Double
    let daemonPath: String

    public init(scale: Double, daemonPath: String) {
        self.scale = scale
        self.daemonPath = daemonPath
    }

    public func run(_ report: inout BenchReport) async throws {
        let directory = NSTemporaryDirectory() + "solvent-overload-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let drill = OverloadDrill(daemonPath: daemonPath, directory: directory,
                                  connections: 1_000, requests: max(Int(2_000 * scale), 100))
        for phase in try await drill.run() {
            let name = "overload.\(phase.phase.rawValue)"
            report.add(BenchFigure(bench: name + ".p50", value: phase.percentileUs(50), unit: "us_p50",
                                   baseline: phase.percentileUs(50, alone: true),
                                   note: "\(phase.latenciesNs.count) appends one in flight; baseline the same client alone"))
            report.add(BenchFigure(bench: name + ".p99", value: phase.percentileUs(99), unit: "us_p99",
                                   baseline: phase.percentileUs(99, alone: true), note: phase.outcomeText))
            if let peak = phase.peakRSSKiB {
                var note = "daemon VmHWM; baseline before the attack"
                if phase.offenderBytesSent > 0 { note += "; offenders sent \(phase.offenderBytesSent) bytes" }
                report.add(BenchFigure(bench: name + ".peak_rss", value: Double(peak), unit: "KiB",
                                       baseline: phase.quietPeakRSSKiB.map(Double.init), note: note))
            }
        }
    }
}
