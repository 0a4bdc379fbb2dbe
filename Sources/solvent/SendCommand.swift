import ArgumentParser
import Foundation
import SolventCore
import SolventProtocol

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send NDJSON events to a running daemon as append requests; prints one reply per line.",
        discussion: """
            Each event line becomes {"op":"append","key":"PREFIX-LINE","event":…}; requests are \
            pipelined in chunks and every reply is printed in line order. `time` may be left out: \
            the daemon stamps the receipt time. Exits 1 if any event was refused (each refusal is \
            also named on standard error with its line). Give --key-prefix to make a re-run of the \
            same file idempotent: keys already appended get their first answer again.
            """
    )

    @Option(help: "The daemon's Unix socket.") var socket = "./solvent-data/solventd.sock"
    @Option(help: "Request keys are PREFIX-LINE (default: random per run).") var keyPrefix: String?
    @Argument(help: "NDJSON file, one event per line, or - for standard input.") var file: String

    /// Requests per round trip: enough to keep the daemon's group commit full, well under its
    /// per-connection window of in-flight requests.
    static let chunkRequests = 512

    func run() async throws {
        let prefix = keyPrefix ?? "send-" + String(UInt32.random(in: .min ... .max), radix: 16)
        let lines = ndjsonLines(try readInput(file))
        var refused = 0
        try await LineClient.withConnection(socketPath: socket) { client in
            var out = StandardOutput()
            for chunk in stride(from: 0, to: lines.count, by: Self.chunkRequests) {
                let part = lines[chunk..<min(chunk + Self.chunkRequests, lines.count)]
                refused += try await send(part, prefix: prefix, client: client, out: &out)
            }
            out.flush()
        }
        if refused > 0 { throw ExitCode.failure }
    }

    /// Sends one chunk and prints its replies in order; returns how many were refused.
    private func send(_ lines: ArraySlice<(number: Int, bytes: ArraySlice<UInt8>)>, prefix: String,
                      client: LineClient, out: inout StandardOutput) async throws -> Int {
        var requests: [String] = []
        var local: [Int: String] = [:]  // Lines that are not JSON: refused here, not sent.
        for (offset, line) in lines.enumerated() {
            let key = "\(prefix)-\(line.number)"
            do {
                let event = try JSONParser.parse(Array(line.bytes))
                requests.append(JSONWriter.string(.object([
                    JSONMember("op", .string("append")), JSONMember("key", .string(key)), JSONMember("event", event),
                ])))
            } catch {
                local[offset] = Reply.refused(key: key, InputError(code: "bad_json", message: error.description))
            }
        }
        var replies = try await client.exchange(requests)[...]
        guard replies.count == requests.count else {
            throw CommandFailure(message: "the daemon closed the connection after \(replies.count) of \(requests.count) replies")
        }
        var refused = 0
        for (offset, line) in lines.enumerated() {
            let reply = local[offset] ?? replies.removeFirst()
            out.line(reply)
            if let problem = Self.refusal(reply) {
                refused += 1
                FileHandle.standardError.write(Data("line \(line.number): \(problem)\n".utf8))
            }
        }
        return refused
    }

    /// "field F: message [code]" for a refusal reply, nil for an acknowledgement.
    static func refusal(_ reply: String) -> String? {
        guard let json = try? JSONParser.parse(reply) else { return "unreadable reply" }
        guard json["ok"] != .bool(true) else { return nil }
        let text: (String) -> String? = { if case .string(let value)? = json["error"]?[$0] { value } else { nil } }
        let field = text("field").map { "field \($0): " } ?? ""
        return "\(field)\(text("message") ?? "refused") [\(text("code") ?? "?")]"
    }
}
