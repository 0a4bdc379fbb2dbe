import ArgumentParser
import Foundation
import SolventCore
import SolventSim
import SolventStore

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Cascade simulation on a recorded price path (docs/CASCADES.md).",
        discussion: """
            A seeded population of leveraged longs and shorts, bidding bots and a price-impact model \
            run through the real engine. --out writes the run's log (verify and replay work on it); \
            --compare runs two parameter files on the same population and path.
            """
    )

    @Option(help: "Price path CSV (ts_utc,open,high,low,close,volume), e.g. Fixtures/prices/….csv.") var prices: String
    @Option(help: "Traders (longs and shorts in pairs).") var accounts = 10_000
    @Option(help: "Seed of every random choice.") var seed: UInt64 = 1
    @Option(help: "Risk parameters, JSON in the shape of `solvent params --json` (partial allowed).") var params: String?
    @Option(help: "Write the run's log into this new data directory (with --compare: DIR/a and DIR/b).") var out: String?
    @Flag(help: "Print the JSON summary.") var json = false
    @Flag(help: "Add the per-minute series to the JSON summary.") var series = false
    @Option(help: "Write an HTML report with SVG charts.") var html: String?
    @Option(parsing: .upToNextOption, help: "Two parameter files run side by side: --compare A.json B.json.")
    var compare: [String] = []
    @Option(help: "Price impact: none, linear or sqrt.") var impact = "linear"
    @Option(help: "Impact coefficient k (docs/CASCADES.md).") var impactCoefficient = ImpactModel().coefficient
    @Option(help: "Impact half-life in seconds.") var impactHalfLife = ImpactModel().halfLifeMs / 1000
    @Option(help: "Bot liquidity: recycle (bots unwind their fills to a hedge account over the holding horizon) or hold (they keep everything, the conservative case).")
    var liquidity = "recycle"
    @Option(help: "Recycling: seconds over which a bot unwinds each fill, in equal slices per step (docs/CASCADES.md).")
    var holdingHorizon = Liquidity.defaultHorizonMs / 1000
    @OptionGroup var population: PopulationOptions

    func validate() throws {
        guard compare.isEmpty || compare.count == 2 else { throw ValidationError("--compare takes exactly two files") }
        guard compare.isEmpty || params == nil else { throw ValidationError("--params and --compare exclude each other") }
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2") }
        guard ImpactModel.Kind(rawValue: impact) != nil else { throw ValidationError("--impact must be none, linear or sqrt") }
        guard impactHalfLife > 0 else { throw ValidationError("--impact-half-life must be positive") }
        guard liquidity == "recycle" || liquidity == "hold" else { throw ValidationError("--liquidity must be recycle or hold") }
        guard holdingHorizon > 0 else { throw ValidationError("--holding-horizon must be positive") }
    }

    func run() throws {
        let path = try Self.loadPath(prices)
        var config = SimConfig()
        config.accounts = accounts
        config.seed = seed
        config.market = MarketSetup.marketID(fileName: prices)
        config.impact = ImpactModel(kind: ImpactModel.Kind(rawValue: impact)!, coefficient: impactCoefficient,
                                    halfLifeMs: impactHalfLife * 1000)
        config.liquidity = liquidity == "hold" ? .hold : .recycle(horizonMs: holdingHorizon * 1000)
        population.apply(to: &config)
        if compare.isEmpty {
            if let params { config.params = try Self.loadParams(params) }
            let result = try Self.simulate(path, config, out: out, label: "simulating")
            try report([(params.map(Self.baseName) ?? "default", result)])
        } else {
            var runs: [(String, SimResult)] = []
            for (file, sub) in zip(compare, ["a", "b"]) {
                config.params = try Self.loadParams(file)
                let directory = out.map { ($0 as NSString).appendingPathComponent(sub) }
                if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
                runs.append((Self.baseName(file), try Self.simulate(path, config, out: directory, label: "simulating \(sub)")))
            }
            try report(runs)
        }
    }

    private func report(_ runs: [(label: String, result: SimResult)]) throws {
        if json {
            let members: JSONValue
            if runs.count == 1 {
                members = withSeries(runs[0].result)
            } else {
                members = .object(zip(["a", "b"], runs).map { key, run in
                    JSONMember(key, .object([JSONMember("paramsFile", .string(run.label))] + objectMembers(withSeries(run.result))))
                })
            }
            print(JSONWriter.string(members))
        } else {
            printText(runs)
        }
        if let html {
            let title = "Cascade simulation: " + Self.baseName(prices) + (runs.count > 1 ? " (" + runs.map(\.label).joined(separator: " vs ") + ")" : "")
            let page = HTMLReport.page(title: title, runs: runs.map { HTMLReport.Run(label: $0.label, result: $0.result) })
            guard FileManager.default.createFile(atPath: html, contents: Data(page.utf8)) else {
                throw CommandFailure(message: "cannot write \(html)")
            }
            if !json { print("wrote \(html)") }
        }
    }

    private func withSeries(_ result: SimResult) -> JSONValue {
        let summary = result.summary.json
        guard series else { return summary }
        return .object(objectMembers(summary) + [JSONMember("perMinute", .array(result.minutes.map(\.json)))])
    }

    private func objectMembers(_ value: JSONValue) -> [JSONMember] {
        if case .object(let members) = value { return members }
        return []
    }

    private func printText(_ runs: [(label: String, result: SimResult)]) {
        let first = runs[0].result.summary
        print("\(first.market) \(UTCTime.format(ms: first.startMs)) to \(UTCTime.format(ms: first.endMs)): "
              + "\(first.accounts) traders, \(first.bots) bots, open interest \(first.openInterest)")
        let all = runs.map(\.result.summary.figures)
        let longest = all.flatMap { $0.map { Self.text($0.value).count } }.max() ?? 0
        let width = max(12, longest, runs.map(\.label.count).max() ?? 0)
        print("figure".padding(toLength: 28, withPad: " ", startingAt: 0)
              + runs.map { $0.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " }.joined())
        for (i, figure) in all[0].enumerated() {
            let values = all.map { Self.text($0[i].value).padding(toLength: width, withPad: " ", startingAt: 0) + "  " }
            print(figure.key.padding(toLength: 28, withPad: " ", startingAt: 0) + values.joined())
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        default: JSONWriter.string(value)
        }
    }

    static func simulate(_ path: PricePath, _ config: SimConfig, out: String?, label: String) throws -> SimResult {
        let simulation = Simulation(path: path, config: config)
        var journal: Journal?
        if let out {
            try EventLog.create(directory: out, createdTimeMs: path.startMs, snapshotEvery: Journal.defaultSnapshotEvery)
            journal = try Journal(directory: out)
        }
        var progress = Progress(label, total: UInt64(simulation.stepCount))
        defer { progress.finish() }
        do {
            return try simulation.run(journal: journal) { done, _ in progress.update(UInt64(done)) }
        } catch let error as SimulationError {
            throw CommandFailure(message: error.description)
        }
    }

    static func loadPath(_ file: String) throws -> PricePath {
        let text = String(decoding: try readInput(file), as: UTF8.self)
        do { return PricePath(candles: try CandleCSV.parse(text)) } catch {
            throw CommandFailure(message: "\(file): \(error)")
        }
    }

    /// A `--params` file: a JSON object with the fields of `params.set`, checked like one.
    static func loadParams(_ file: String) throws -> ParamsSet {
        do {
            let json = try JSONParser.parse(try readInput(file))
            let params = try RecordJSON.payload(json, as: ParamsSet.self)
            try Ledger().check(.paramsSet(params))
            return params
        } catch let error as InputError {
            throw CommandFailure(message: "\(file): \(error)")
        } catch let error as JSONError {
            throw CommandFailure(message: "\(file): \(error)")
        }
    }

    static func baseName(_ file: String) -> String {
        let name = (file as NSString).lastPathComponent
        return name.hasSuffix(".json") || name.hasSuffix(".csv") ? (name as NSString).deletingPathExtension : name
    }
}
