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
            same file idempotent: keys already appended get their first answer again.             With --batch N, every N lines go in one batch append ({"op":"append","key":"PREFIX-FIRSTLINE",            "events":[…]}: one key, one durable commit, a result per event); one reply line is             printed per batch, and each refused event is named on standard error with its line.
            """
    )

    @Option(help: "The daemon's Unix socket.") var socket = "./solvent-data/solventd.sock"
    @Option(help: "Request keys are PREFIX-LINE (default: random per run).") var keyPrefix: String?
    @Option(help: "Events per batch append (1 to 8190); without it, one append per event.") var batch: Int?
    @Argument(help: "NDJSON file, one event per line, or - for standard input.") var file: String

    func validate() throws {
        if let batch, !(1...BatchLimits.maxEvents).contains(batch) {
            throw ValidationError("--batch must be 1 to \(BatchLimits.maxEvents)")
        }
    }

    /// Requests per round trip: enough to keep the daemon's group commit full, well under its
    /// per-connection window of in-flight requests.
    static let chunkRequests = 512

    func run() async throws {
        let prefix = keyPrefix ?? "send-" + String(UInt32.random(in: .min ... .max), radix: 16)
        let lines = ndjsonLines(try readInput(file))
        var refused = 0
        try await LineClient.withConnection(socketPath: socket) { client in
            var out = StandardOutput()
            if let batch {
                refused += try await sendBatches(lines, size: batch, prefix: prefix, client: client, out: &out)
            } else {
                for chunk in stride(from: 0, to: lines.count, by: Self.chunkRequests) {
                    let part = lines[chunk..<min(chunk + Self.chunkRequests, lines.count)]
                    refused += try await send(part, prefix: prefix, client: client, out: &out)
                }
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

    /// Sends the lines in batches of `size` (pipelined, a few batches per round trip) and prints
    /// each batch's reply; returns how many events were refused. A line that is not JSON is
    /// refused here and left out of its batch.
    private func sendBatches(_ lines: [(number: Int, bytes: ArraySlice<UInt8>)], size: Int, prefix: String,
                             client: LineClient, out: inout StandardOutput) async throws -> Int {
        var refused = 0
        let batches = stride(from: 0, to: lines.count, by: size).map { lines[$0..<min($0 + size, lines.count)] }
        let perRoundTrip = max(1, Self.chunkRequests / size)
        for start in stride(from: 0, to: batches.count, by: perRoundTrip) {
            var sent: [[Int]] = []  // per request, the line numbers of its events
            var requests: [String] = []
            for part in batches[start..<min(start + perRoundTrip, batches.count)] {
                var events: [JSONValue] = []
                var numbers: [Int] = []
                for line in part {
                    do {
                        events.append(try JSONParser.parse(Array(line.bytes)))
                        numbers.append(line.number)
                    } catch {
                        refused += 1
                        FileHandle.standardError.write(Data("line \(line.number): \(error.description) [bad_json]\n".utf8))
                    }
                }
                guard !events.isEmpty else { continue }
                requests.append(JSONWriter.string(.object([
                    JSONMember("op", .string("append")), JSONMember("key", .string("\(prefix)-\(part.first!.number)")),
                    JSONMember("events", .array(events)),
                ])))
                sent.append(numbers)
            }
            let replies = try await client.exchange(requests)
            guard replies.count == requests.count else {
                throw CommandFailure(message: "the daemon closed the connection after \(replies.count) of \(requests.count) replies")
            }
            for (reply, numbers) in zip(replies, sent) {
                out.line(reply)
                refused += Self.batchRefusals(reply, lines: numbers)
            }
        }
        return refused
    }

    /// Names each refused event of a batch reply with its line on standard error; returns how many.
    static func batchRefusals(_ reply: String, lines: [Int]) -> Int {
        guard let json = try? JSONParser.parse(reply), case .array(let results)? = json["results"] else {
            let problem = refusal(reply) ?? "unreadable reply"
            FileHandle.standardError.write(Data("lines \(lines.first ?? 0)–\(lines.last ?? 0): \(problem)\n".utf8))
            return lines.count
        }
        var refused = 0
        for (result, line) in zip(results, lines) {
            guard let problem = refusal(JSONWriter.string(result)) else { continue }
            refused += 1
            FileHandle.standardError.write(Data("line \(line): \(problem)\n".utf8))
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
