import Foundation
import SolventCore
#if canImport(Glibc)
import Glibc
#endif

/// One finished run of an executable product (`solvent`, `solventd`) as a child process.
struct ToolRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// stdout's lines, each parsed as JSON.
    func jsonLines() throws -> [JSONValue] {
        try stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Runs `executable arguments` in `directory` to its end (killed after `timeoutSeconds`);
    /// stdin from `input` (empty if nil); output through files, so a large one cannot block it.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                    in directory: String? = nil, timeoutSeconds: Double = 300) throws -> ToolRun {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("toolrun-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err"),
            inURL = scratch.appendingPathComponent("in")
        for url in [outURL, errURL] { FileManager.default.createFile(atPath: url.path, contents: nil) }
        FileManager.default.createFile(atPath: inURL.path, contents: Data((input ?? "").utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ToolRun(status: process.terminationStatus,
                       stdout: try String(contentsOf: outURL, encoding: .utf8),
                       stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}

/// The repository's root (for Fixtures/ and README.md).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The shape of a JSON value: object keys in order with their values' shapes, array elements'
/// shapes (each distinct one once, in first-seen order), and scalars by type. Numbers' values
/// and strings' texts are left out, so figures may change and the shape stays.
func jsonShape(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "bool"
    case .number: return "number"
    case .string: return "string"
    case .array(let items):
        var seen: [String] = []
        for item in items {
            let shape = jsonShape(item)
            if !seen.contains(shape) { seen.append(shape) }
        }
        return "[" + seen.joined(separator: " | ") + "]"
    case .object(let members):
        return "{" + members.map { "\($0.key):\(jsonShape($0.value))" }.joined(separator: ",") + "}"
    }
}

/// The keys of a JSON object, in order (empty for anything else).
func jsonKeys(_ value: JSONValue) -> [String] {
    if case .object(let members) = value { members.map(\.key) } else { [] }
}
