import ArgumentParser
import SolventCore
import SolventStore

struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append NDJSON events from a file or - (standard input), all or nothing.",
        discussion: "Every line is validated first; a bad line is reported with its number and field and nothing is appended. On success prints one seq per line."
    )

    @OptionGroup var options: DataOptions

    @Argument(help: "NDJSON file, one event per line (time required), or - for standard input.")
    var file: String

    /// Longest line accepted: far above any real event, a bound against garbage.
    static let maxLineBytes = 1 << 20

    func run() throws {
        let lines = ndjsonLines(try readInput(file))
        let inputs = try lines.map { line in try Self.parse(line.bytes, number: line.number) }
        let journal = try Journal(directory: options.data)
        let results: [[Record]]
        do { results = try journal.append(inputs) } catch let refusal as JournalRefusal {
            throw CommandFailure(message: "line \(lines[refusal.index].number): \(Self.describe(refusal.error)); nothing appended")
        }
        var out = StandardOutput()
        for records in results { out.line(String(records[0].seq)) }
        out.flush()
    }

    static func parse(_ bytes: ArraySlice<UInt8>, number: Int) throws -> JournalInput {
        guard bytes.count <= maxLineBytes else {
            throw CommandFailure(message: "line \(number): longer than \(maxLineBytes) bytes; nothing appended")
        }
        do {
            let (time, event) = try RecordJSON.input(line: bytes, requireTime: true)
            return JournalInput(time: time!, event: event)
        } catch {
            throw CommandFailure(message: "line \(number): \(describe(error)); nothing appended")
        }
    }

    static func describe(_ error: InputError) -> String {
        let field = error.field.map { "field \($0): " } ?? ""
        return "\(field)\(error.message) [\(error.code)]"
    }
}
