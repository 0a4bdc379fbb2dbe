import ArgumentParser
import Foundation
import SolventCore
import SolventProtocol

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow a running daemon's log: print each record as one JSON line until interrupted.",
        discussion: """
            Subscribes over the socket ({"op":"subscribe"}): records from --from are read from the \
            log first, then every record committed after is printed as it commits, in the \
            `solvent log --json` shape. Without --from only records committed from now on are \
            printed. A subscriber that cannot keep up is disconnected by the daemon \
            (slow_subscriber): the error goes to standard error and the exit status is 1.
            """
    )

    @Option(help: "The daemon's Unix socket.") var socket = "./solvent-data/solventd.sock"
    @Option(help: "First seq to print (default: the next record committed).") var from: UInt64?
    @Option(help: "Only kinds matching this pattern (deposit, liquidation.*, *); may repeat.") var kind: [String] = []

    func validate() throws {
        if from == 0 { throw ValidationError("--from is a seq, 1 or more") }
        for pattern in kind where !EventKind.allCases.contains(where: { $0.matches(pattern: pattern) }) {
            throw ValidationError("--kind \(pattern) matches no event kind")
        }
    }

    func run() async throws {
        let request = Self.request(from: from, kinds: kind)
        let failure = try await LineClient.withConnection(socketPath: socket) { client -> String? in
            try await client.send(raw: Array(request.utf8) + [UInt8(ascii: "\n")])
            while let line = try await client.receive() {
                // Records carry a seq; only an error line (the refusal or the daemon's goodbye) lacks it.
                if line.hasPrefix(#"{"seq":"#) {
                    writeStandardOutput(Array((line + "\n").utf8))
                } else {
                    return SendCommand.refusal(line) ?? line
                }
            }
            return nil
        }
        if let failure {
            printError(failure)
            throw ExitCode.failure
        }
    }

    static func request(from: UInt64?, kinds: [String]) -> String {
        var members = [JSONMember("op", .string("subscribe"))]
        if let from { members.append(JSONMember("from", .number(String(from)))) }
        if !kinds.isEmpty { members.append(JSONMember("kinds", .array(kinds.map { .string($0) }))) }
        return JSONWriter.string(.object(members))
    }
}
