import Foundation
import SolventCore

/// One measured figure (SPEC §9 bench shape).
public struct BenchFigure: Sendable {
    public var bench: String
    public var value: Double
    public var unit: String
    public var baseline: Double?
    public var note: String?
    /// The daemon's CPU time per event, for rate figures that drive `solventd` (bench ingest).
    public var cpuPerEventUs: Double?

    public var ratio: Double? { baseline.map { $0 > 0 ? value / $0 : 0 } }

    public init(bench: String, value: Double, unit: String, baseline: Double? = nil, cpuPerEventUs: Double? = nil,
                note: String? = nil) {
        self.bench = bench
        self.value = value
        self.unit = unit
        self.baseline = baseline
        self.cpuPerEventUs = cpuPerEventUs
        self.note = note
    }
}

/// Where a bench's figures go: one line each, as text or as JSON, written as soon as measured.
public struct BenchReport {
    public let json: Bool
    /// Writes one line (with its newline) unbuffered, so each figure shows as it is measured.
    private let write: ([UInt8]) -> Void

    public init(json: Bool, write: @escaping ([UInt8]) -> Void) {
        self.json = json
        self.write = write
    }

    public mutating func add(_ figure: BenchFigure) {
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
            if let cpu = figure.cpuPerEventUs { members.append(JSONMember("cpuPerEventUs", .number(String(format: "%.3f", cpu)))) }
            if let note = figure.note { members.append(JSONMember("note", .string(note))) }
            emit(JSONWriter.string(.object(members)))
        } else {
            var line = "\(figure.bench): \(Self.number(figure.value)) \(figure.unit)"
            if let baseline = figure.baseline {
                line += "  (baseline \(Self.number(baseline)), ratio \(String(format: "%.3f", figure.ratio!)))"
            }
            if let cpu = figure.cpuPerEventUs { line += "  cpu \(String(format: "%.3f", cpu)) us/event" }
            if let note = figure.note { line += "  [\(note)]" }
            emit(line)
        }
    }

    private func emit(_ line: String) {
        write(Array((line + "\n").utf8))
    }

    public static func number(_ value: Double) -> String {
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
