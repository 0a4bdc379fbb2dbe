import Foundation
import SolventCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// README.md's "The first ten minutes", run as written: the commands are read from the README's
/// `$ ` lines (not copied here), run with the debug build in a scratch directory (so the relative
/// paths `solvent-data/solventd.sock` and `Fixtures/…` resolve as on a fresh clone), and what they
/// print is compared with the README's example output by shape — numbers, paths, hashes and pids
/// abstracted, every other word and the order of lines kept. The demo runs small and fast
/// (`--accounts 200 --minutes 180 --speed 20000` added to the README's `--speed 2000`).
/// `tools/readme-check` covers the part a test cannot: `tools/run` building both executables.
@Suite(.serialized) struct ReadmeTests {
    struct Command {
        var text: String
        var expected: [String]
    }

    /// The `$ ` commands of the section and the lines each is shown printing; a block without a
    /// command continues the previous command's output, except the terminal-only live frame.
    static func commands(inSection heading: String) throws -> [Command] {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "\n" + heading + "\n"), "README has no \(heading)")
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var commands: [Command] = []
        var inBlock = false
        var skipBlock = false
        for line in section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                inBlock.toggle()
                skipBlock = false
                continue
            }
            guard inBlock, !skipBlock else { continue }
            if line.hasPrefix("$ ") {
                commands.append(Command(text: String(line.dropFirst(2)), expected: []))
            } else if commands.isEmpty || line.contains(" · ") && line.contains("× real time") {
                skipBlock = true  // the live view's frame: drawn only on a terminal
            } else {
                commands[commands.count - 1].expected.append(line)
            }
        }
        return commands
    }

    /// A line with its run-specific parts abstracted: paths, hex digests, numbers; runs of blanks
    /// become one space.
    static func shape(_ line: String) -> String {
        var text = line
        text = text.replacing(/(\.{0,2}\/[^\s:()]*)+/, with: "PATH")
        text = text.replacing(/\b[0-9a-f]{16,}(…)?/, with: "HEX")
        text = text.replacing(/-?[0-9]+(\.[0-9]+)?/, with: "N")
        text = text.replacing(/[ \t]+/, with: " ")
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Whether `actual` holds a line of the same shape as each `expected` line (`…` lines and
    /// elisions skipped), in the same order; the first line missing otherwise.
    static func missing(_ expected: [String], in actual: [String]) -> String? {
        var shapes = actual.map(shape)[...]
        var inTimeline = false
        for line in expected where !line.trimmingCharacters(in: .whitespaces).hasPrefix("…") && !line.isEmpty {
            if line.hasPrefix("{") {
                guard let index = shapes.indices.first(where: { sameJSON(line, actual[$0]) }) else { return line }
                shapes = shapes[(index + 1)...]
                continue
            }
            let wanted = shape(line.components(separatedBy: "…").first!)
            // A timeline row (seq, time, record, who…) is one run's example: which records, who filled.
            if inTimeline && wanted.hasPrefix("N N ") { continue }
            if wanted == "Timeline" { inTimeline = true }
            guard let index = shapes.firstIndex(where: { $0.hasPrefix(wanted) }) else { return line }
            shapes = shapes[(index + 1)...]
        }
        return nil
    }

    /// Same keys in the same order with the same types; same values except the run's own
    /// (`key`: the client's random prefix; `seq`, `cause`: the daemon's clock records come between).
    static func sameJSON(_ expected: String, _ actual: String) -> Bool {
        guard let a = try? JSONParser.parse(expected), let b = try? JSONParser.parse(actual),
              jsonShape(a) == jsonShape(b) else { return false }
        return jsonKeys(a).allSatisfy { ["key", "seq", "cause"].contains($0) || a[$0] == b[$0] }
    }

    @Test func theFirstTenMinutesWorkAsWritten() async throws {
        let solvent = try productPath("solvent"), solventd = try productPath("solventd")
        let commands = try Self.commands(inSection: "## The first ten minutes")
        #expect(commands.count >= 7, "\(commands.map(\.text))")
        try await withTemporaryDirectory { root in
            try FileManager.default.createSymbolicLink(atPath: root + "/Fixtures", withDestinationPath: repositoryRoot + "/Fixtures")
            // The quick start's `tools/run`: solventd on ./solvent-data.
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: solventd)
            daemon.arguments = ["--data", "./solvent-data"]
            daemon.currentDirectoryURL = URL(fileURLWithPath: root)
            daemon.standardError = FileHandle.nullDevice
            try daemon.run()
            defer {
                if daemon.isRunning { kill(daemon.processIdentifier, SIGINT) }
                daemon.waitUntilExit()
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: root + "/solvent-data/solventd.sock") && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            var demoData: String?, demoLiquidation: String?
            for command in commands {
                var words = command.text.split(separator: " ").map(String.init)
                var headLines: Int?
                if let pipe = words.firstIndex(of: "|") {
                    #expect(Array(words[pipe...].prefix(2)) == ["|", "head"], "\(command.text)")
                    headLines = Int(words.last!.dropFirst()) ?? 10
                    words = Array(words[..<pipe])
                }
                // `.build/release/solvent`, `swift run -c release solvent` and `solvent`: the same program.
                let program = try #require(words.firstIndex(where: { $0.hasSuffix("solvent") }), "\(command.text)")
                var arguments = Array(words[(program + 1)...])
                if arguments.contains("demo") {
                    demoData = root + "/demo"
                    arguments += ["--accounts", "200", "--minutes", "180", "--speed", "20000", "--data", demoData!]
                }
                for index in arguments.indices {
                    if let demoData, arguments[index].hasPrefix("/tmp/solvent-demo-") { arguments[index] = demoData }
                    if let demoLiquidation, index > 0, arguments[index - 1] == "--liquidation" { arguments[index] = demoLiquidation }
                }
                // `tail` follows the log until Ctrl-C: five seconds of it.
                let follows = arguments.first == "tail"
                let run = try ToolRun.run(solvent, arguments, in: root, timeoutSeconds: follows ? 5 : 240)
                #expect(follows || run.status == 0, "\(command.text): \(run)")
                var lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if let headLines { lines = Array(lines.prefix(headLines)) }
                if let line = Self.missing(command.expected, in: lines) {
                    Issue.record("README: `\(command.text)` shows a line of a shape it does not print:\n\(line)\n(shape \(Self.shape(line)))\nit printed:\n\(lines.joined(separator: "\n"))")
                }
                if arguments.contains("demo"), let match = run.stdout.firstMatch(of: /replay --liquidation ([0-9]+)/) {
                    demoLiquidation = String(match.1)
                }
            }
            #expect(demoLiquidation != nil, "the demo proposes a liquidation to audit")
            kill(daemon.processIdentifier, SIGINT)
            daemon.waitUntilExit()
            #expect(daemon.terminationStatus == 0, "Ctrl-C stops the daemon cleanly")
        }
    }
}
