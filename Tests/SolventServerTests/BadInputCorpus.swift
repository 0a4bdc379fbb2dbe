import Foundation
import SolventCore
import SolventStore

/// One case of Fixtures/bad-input/cases.ndjson (format in Fixtures/bad-input/README.md).
struct BadInputCase: Sendable {
    var name: String
    /// "basic" or "liquidation": the scenario appended before the case runs.
    var setup: String
    /// An event line: sent by the CLI as a file line and by the socket inside an append request.
    var event: [UInt8]?
    /// A raw request line, socket only.
    var request: [UInt8]?
    /// "cli" or "socket" when the case applies to one path only.
    var only: String?
    /// Expected error code and field; nil code means `expect` describes the outcome.
    var code: String?
    var field: String?
    var expect: String?

    var viaSocket: Bool { only != "cli" }
    var viaCLI: Bool { event != nil && only != "socket" }

    /// The line the socket receives: the request itself, or the event inside an append request
    /// whose key is the case name (so a case never collides with the setup keys).
    var socketLine: [UInt8] {
        if let request { return request }
        return Array(#"{"op":"append","key":"bad-\#(name)","event":"#.utf8) + event! + Array("}".utf8)
    }
}

enum BadInputCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load() throws -> [BadInputCase] {
        let text = try String(contentsOf: root.appendingPathComponent("Fixtures/bad-input/cases.ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").map { try decode(JSONParser.parse(String($0))) }
    }

    private static func decode(_ json: JSONValue) throws -> BadInputCase {
        let hex = json["hex"] == .bool(true)
        func line(_ key: String) -> [UInt8]? {
            guard case .string(let text)? = json[key] else { return nil }
            var bytes = hex ? bytesFromHex(text) : Array(text.utf8)
            if case .number(let pad)? = json["padTo"], let target = Int(pad), bytes.count < target {
                bytes += [UInt8](repeating: UInt8(ascii: " "), count: target - bytes.count)
            }
            return bytes
        }
        return BadInputCase(
            name: string(json["name"]) ?? "?", setup: string(json["setup"]) ?? "basic",
            event: line("event"), request: line("request"), only: string(json["only"]),
            code: string(json["code"]), field: string(json["field"]), expect: string(json["expect"]))
    }

    private static func bytesFromHex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    /// Creates a log in `dataDirectory` holding scenario `setup`, input i under key "setup-i".
    static func prepare(_ dataDirectory: String, setup: String) throws {
        let text = try String(contentsOf: root.appendingPathComponent("Fixtures/scenarios/\(setup).ndjson"), encoding: .utf8)
        let inputs = try text.split(separator: "\n").enumerated().map { index, line in
            let (time, event) = try RecordJSON.input(line: Array(line.utf8)[...], requireTime: true)
            return JournalInput(time: time!, event: event, key: "setup-\(index + 1)")
        }
        try EventLog.create(directory: dataDirectory, createdTimeMs: 0)
        _ = try Journal(directory: dataDirectory).append(inputs)
    }

    /// The `solvent` executable next to the test bundle (swift test builds every product).
    static var solventExecutable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("solvent")
    }

    /// Runs `solvent append --data dataDirectory file`; returns the exit status and stderr.
    static func cliAppend(dataDirectory: String, file: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = solventExecutable
        process.arguments = ["append", "--data", dataDirectory, file]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
