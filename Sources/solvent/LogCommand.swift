import ArgumentParser
import SolventCore
import SolventStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Print records of the log.")

    @OptionGroup var options: DataOptions

    @Option(help: "First seq to print.") var from: UInt64 = 1
    @Option(help: "Last seq to print.") var to: UInt64?
    @Option(help: "Only kinds matching this pattern (deposit, liquidation.*, *); may repeat.") var kind: [String] = []
    @Flag(help: "One JSON object per line (SPEC §9 shape).") var json = false

    func validate() throws {
        for pattern in kind where !EventKind.allCases.contains(where: { $0.matches(pattern: pattern) }) {
            throw ValidationError("--kind \(pattern) matches no event kind")
        }
    }

    func run() throws {
        let log = try EventLog(directory: options.data, readOnly: true)
        var out = StandardOutput()
        var failure: Error?
        try log.read { reader in
            try reader.forEach(from: Seq(max(from, 1)), through: to.map { Seq($0) }) { stored in
                do {
                    let record = try RecordCodec.decode(stored.bytes[...])
                    guard kind.isEmpty || kind.contains(where: { record.kind.matches(pattern: $0) }) else { return true }
                    out.line(json ? JSONWriter.string(RecordJSON.json(record)) : Self.text(record))
                    return true
                } catch {
                    failure = CommandFailure(message: "seq \(stored.seq) does not decode: \(error)")
                    return false
                }
            }
        }
        out.flush()
        if let failure { throw failure }
    }

    /// `seq  time  kind  [cause=N]  key=value …` for people.
    static func text(_ record: Record) -> String {
        var line = "\(record.seq)\t\(record.time)\t\(record.kind.name)"
        if let cause = record.cause { line += "\tcause=\(cause)" }
        guard case .object(let members) = RecordJSON.json(record) else { return line }
        for member in members.dropFirst(4) where member.value != .null {
            let value: String
            switch member.value {
            case .string(let text): value = text
            default: value = JSONWriter.string(member.value)
            }
            line += " \(member.key)=\(value)"
        }
        return line
    }
}
