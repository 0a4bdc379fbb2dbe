import Foundation
import SolventCore
import SolventStore
import Testing

/// The `solvent` command line as a user runs it: the real executable as a child process, its
/// stdout compared with committed goldens (exact where the output is deterministic, the shape —
/// keys, their order and value types — where figures vary). Goldens are rewritten only by
/// `tools/update-goldens`; a difference here is a failure that prints what changed.
@Suite(.serialized) struct CLIGoldenTests {
    static let goldens = repositoryRoot + "/Fixtures/golden/cli"

    /// Data directories with basic.ndjson and liquidation.ndjson appended offline, under `root`.
    static func scenarioLogs(_ solvent: String, root: String) throws -> (basic: String, liquidation: String) {
        for (directory, name) in [("basic", "basic"), ("liq", "liquidation")] {
            let path = root + "/" + directory
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let initRun = try ToolRun.run(solvent, ["--data", path, "init"])
            try #require(initRun.status == 0, "\(initRun)")
            let append = try ToolRun.run(solvent, ["--data", path, "append", repositoryRoot + "/Fixtures/scenarios/\(name).ndjson"])
            try #require(append.status == 0, "\(append)")
        }
        return (root + "/basic", root + "/liq")
    }

    @Test func everyGoldenOfCommandsTSVIsPrintedByteForByte() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let logs = try Self.scenarioLogs(solvent, root: root)
            let manifest = try String(contentsOfFile: Self.goldens + "/commands.tsv", encoding: .utf8)
            var compared = 0
            for line in manifest.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
                let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
                try #require(fields.count == 2, "a line of commands.tsv without a tab: \(line)")
                let arguments = fields[1].split(separator: " ").map {
                    $0.replacingOccurrences(of: "$BASIC", with: logs.basic).replacingOccurrences(of: "$LIQ", with: logs.liquidation)
                }
                let run = try ToolRun.run(solvent, arguments)
                #expect(run.status == 0, "solvent \(fields[1]): \(run)")
                let golden = try String(contentsOfFile: Self.goldens + "/" + fields[0], encoding: .utf8)
                let difference = Self.firstDifference(golden, run.stdout)
                #expect(run.stdout == golden, """
                    solvent \(fields[1]) differs from Fixtures/golden/cli/\(fields[0]) \
                    (tools/update-goldens rewrites it if the change is meant):
                    \(difference)
                    """)
                compared += 1
            }
            #expect(compared >= 8, "commands.tsv lists \(compared) goldens")
        }
    }

    /// The first differing line of two texts, numbered, both sides.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) where index >= a.count || index >= b.count || a[index] != b[index] {
            return "line \(index + 1):\n- \(index < a.count ? String(a[index]) : "(no line)")\n+ \(index < b.count ? String(b[index]) : "(no line)")"
        }
        return "(equal)"
    }

    @Test func replayJSONHasTheSpecShapeWithAndWithoutParams() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let logs = try Self.scenarioLogs(solvent, root: root)
            let plain = try ToolRun.run(solvent, ["--data", logs.liquidation, "replay", "--liquidation", "12", "--json"])
            #expect(plain.status == 0, "\(plain)")
            let report = try #require(try plain.jsonLines().first, "\(plain)")
            #expect(try plain.jsonLines().count == 1, "\(plain)")
            // SPEC §9's keys in its order, with the engine rules after the verdict and the explanation after.
            #expect(jsonKeys(report) == ["liquidation", "account", "trigger", "verdict", "rules", "firstMismatchSeq", "inputs",
                                         "records", "replayedFrom", "formulas", "series"], "\(jsonKeys(report))")
            #expect(report["liquidation"] == .number("12"))
            #expect(report["account"] == .string("alice"))
            #expect(report["verdict"] == .string("reproduced"))
            #expect(report["firstMismatchSeq"] == .null)
            guard case .object? = report["inputs"], case .array(let records)? = report["records"] else {
                Issue.record("inputs or records of the wrong type: \(jsonShape(report))")
                return
            }
            #expect(records.count == 10, "the README says 10 records of liquidation 12")
            #expect(report["whatIf"] == nil, "no what-if without --params")

            let params = repositoryRoot + "/Fixtures/params/wide-buffer.json"
            let whatIf = try ToolRun.run(solvent, ["--data", logs.liquidation, "replay", "--liquidation", "12", "--json", "--params", params])
            #expect(whatIf.status == 0, "\(whatIf)")
            let compared = try #require(try whatIf.jsonLines().first, "\(whatIf)")
            // The same report, with the what-if after it; the shared part has the same shape.
            #expect(Array(jsonKeys(compared).prefix(jsonKeys(report).count)) == jsonKeys(report), "\(jsonKeys(compared))")
            for key in jsonKeys(report) where key != "inputs" && key != "records" {
                #expect(compared[key].map(jsonShape) == report[key].map(jsonShape), "\(key)")
            }
            let extra = jsonKeys(compared).dropFirst(jsonKeys(report).count)
            #expect(extra.count == 1, "one what-if member after the report: \(extra)")
            if let key = extra.first { #expect(compared[key].map { if case .object = $0 { true } else { false } } == true, "\(key)") }
        }
    }

    @Test func simulateJSONKeepsItsShape() async throws {
        let solvent = try productPath("solvent")
        let prices = repositoryRoot + "/Fixtures/prices/btcusdt-perp-2020-03-12-1h-binance-usdm.csv"
        let run = try ToolRun.run(solvent, ["simulate", "--prices", prices, "--accounts", "100", "--json"])
        #expect(run.status == 0, "\(run)")
        let lines = try run.jsonLines()
        #expect(lines.count == 1, "\(run)")
        let summary = try #require(lines.first)
        let golden = try String(contentsOfFile: Self.goldens + "/simulate.shape", encoding: .utf8)
        let shape = jsonShape(summary) + "\n"
        let difference = Self.firstDifference(golden, shape)
        #expect(shape == golden, "simulate --json's shape changed (Fixtures/golden/cli/simulate.shape):\n\(difference)")
    }

    @Test func benchJSONLinesHaveTheSpecKeys() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let run = try ToolRun.run(solvent, ["bench", "tick", "--json", "--scale", "0.01"], in: root)
            #expect(run.status == 0, "\(run)")
            let lines = try run.jsonLines()
            #expect(!lines.isEmpty, "\(run)")
            for line in lines {
                let keys = jsonKeys(line)
                #expect(Array(keys.prefix(3)) == ["bench", "value", "unit"], "\(keys)")
                #expect(Set(keys).isSubset(of: ["bench", "value", "unit", "baseline", "ratio", "note"]), "\(keys)")
                #expect(keys.contains("baseline") == keys.contains("ratio"), "baseline and ratio go together: \(keys)")
                guard case .string? = line["bench"], case .number? = line["value"], case .string? = line["unit"] else {
                    Issue.record("types: \(jsonShape(line))")
                    continue
                }
                for key in ["baseline", "ratio"] where line[key] != nil {
                    if case .number? = line[key] {} else { Issue.record("\(key) is not a number: \(jsonShape(line))") }
                }
                if let note = line["note"], case .string = note {} else if line["note"] != nil { Issue.record("note: \(jsonShape(line))") }
            }
        }
    }

    @Test func verifyExitsOneNamingTheSeqOfAFlippedPayloadByte() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let logs = try Self.scenarioLogs(solvent, root: root)
            let intact = try ToolRun.run(solvent, ["--data", logs.basic, "verify"])
            #expect(intact.status == 0, "\(intact)")
            // One byte of seq 5's payload (after the 30-byte header), written through LMDB itself.
            do {
                let environment = try Environment(directory: logs.basic)
                let events = try #require(try environment.database(named: "events", create: false))
                try environment.write { transaction in
                    let key = withUnsafeBytes(of: UInt64(5).bigEndian) { Array($0) }  // keys are big-endian seqs
                    var value = try #require(try transaction.get(events, key: key))
                    value[RecordCodec.headerSize + 2] ^= 0x01
                    try transaction.put(events, key: key, value: value)
                }
            }
            let broken = try ToolRun.run(solvent, ["--data", logs.basic, "verify"])
            #expect(broken.status == 1, "\(broken)")
            #expect(broken.stderr.contains("seq 5"), "the message names the seq: \(broken)")
            #expect(!broken.stdout.contains("chain ok"), "\(broken)")
        }
    }

    @Test func bothExecutablesPrintTheReleaseTheLogFormatAndTheRules() throws {
        for name in ["solvent", "solventd"] {
            let run = try ToolRun.run(try productPath(name), ["--version"])
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout == Release.versionText + "\n", "\(name): \(run)")
            #expect(run.stdout.contains("log format \(EventLog.supportedFormatVersion)"))
            #expect(run.stdout.contains("engine rules \(RulesVersion.current)"))
        }
    }

    /// `init --rules N` writes a log under earlier rules (its defaults stay those rules'); a
    /// version this release does not know is refused and creates nothing.
    @Test func initWritesTheRulesItIsGivenAndRefusesUnknownOnes() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let run = try ToolRun.run(solvent, ["--data", root + "/r2", "init", "--rules", "2"])
            #expect(run.status == 0, "\(run)")
            #expect(try EventLog(directory: root + "/r2", readOnly: true).rules == .v2)
            #expect(try ToolRun.run(solvent, ["--data", root + "/now", "init"]).status == 0)
            #expect(try EventLog(directory: root + "/now", readOnly: true).rules == .current)
            let refused = try ToolRun.run(solvent, ["--data", root + "/r9", "init", "--rules", "9"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--rules must be 1–\(RulesVersion.current)"), "\(refused)")
            #expect(!FileManager.default.fileExists(atPath: root + "/r9"))
        }
    }

    /// docs/FORMAT.md "Amounts in JSON input": a JSON number is read from its literal exactly;
    /// exponents and a ninth fractional digit are refused as in a string.
    @Test func jsonNumberAmountsAreReadExactlyAndRefusedLikeStrings() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { root in
            let data = root + "/log"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            #expect(try ToolRun.run(solvent, ["--data", data, "init"]).status == 0)
            let accepted = try ToolRun.run(solvent, ["--data", data, "append", "-"],
                                           input: #"{"kind":"deposit","time":1,"account":"alice","amount":0.1}"# + "\n")
            #expect(accepted.status == 0, "\(accepted)")
            let log = try ToolRun.run(solvent, ["--data", data, "log", "--json"])
            #expect(log.stdout.contains(#""amount":"0.1""#), "\(log)")
            for (amount, reason) in [("1e3", "exponent"), ("1.000000001", "9 fractional digits")] {
                let refused = try ToolRun.run(solvent, ["--data", data, "append", "-"],
                                              input: #"{"kind":"deposit","time":2,"account":"alice","amount":\#(amount)}"# + "\n")
                #expect(refused.status != 0, "\(amount): \(refused)")
                #expect(refused.stderr.contains("bad_amount") && refused.stderr.contains(reason), "\(amount): \(refused)")
            }
        }
    }
}
