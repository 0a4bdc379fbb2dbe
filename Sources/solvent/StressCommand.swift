import ArgumentParser
import Foundation
import SolventCore
import SolventSim

struct StressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "A sweep of cascade simulations: price files × seeds × parameter files, one table (docs/CASCADES.md \"Sweeps\").",
        discussion: """
            Each run is `solvent simulate` on its own (same population, path and engine); the table \
            has one row per run, sorted by file, params, seed, whatever order the runs finish in.
            """
    )

    @Option(parsing: .upToNextOption, help: "Price path CSVs (default: every CSV of Fixtures/prices).")
    var prices: [String] = []
    @Option(help: "Seeds, comma-separated.") var seeds = "1,2,3"
    @Option(parsing: .upToNextOption, help: "Parameter files in the shape of `solvent params --json` (default: the defaults).")
    var params: [String] = []
    @Option(help: "Traders per run.") var accounts = 10_000
    @Option(help: "Runs at a time.") var jobs = 2
    @Option(help: "Bot liquidity, as for simulate: recycle or hold.") var liquidity = "recycle"
    @Option(help: "Recycling: seconds over which a bot unwinds each fill.") var holdingHorizon = Liquidity.defaultHorizonMs / 1000
    @OptionGroup var population: PopulationOptions
    @Flag(help: "Print the table as a JSON array, one object per run.") var json = false
    @Option(help: "Write an HTML report with one SVG chart per figure.") var html: String?

    func validate() throws {
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard liquidity == "recycle" || liquidity == "hold" else { throw ValidationError("--liquidity must be recycle or hold") }
        guard holdingHorizon > 0 else { throw ValidationError("--holding-horizon must be positive") }
        guard (try? seedList()) != nil else { throw ValidationError("--seeds takes comma-separated integers, e.g. 1,2,3") }
    }

    func seedList() throws -> [UInt64] {
        let list = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { throw ValidationError("bad --seeds") }
        return list.map { $0! }
    }

    func run() async throws {
        let files = try prices.isEmpty ? Self.defaultPrices() : prices
        let paths = try files.map { file in
            Sweep.Prices(name: SimulateCommand.baseName(file), path: try SimulateCommand.loadPath(file),
                         market: MarketSetup.marketID(fileName: file))
        }
        let sets = try params.isEmpty
            ? [Sweep.Params(name: "default", params: ParamsSet())]
            : params.map { Sweep.Params(name: SimulateCommand.baseName($0), params: try SimulateCommand.loadParams($0)) }
        var base = SimConfig()
        base.accounts = accounts
        base.liquidity = liquidity == "hold" ? .hold : .recycle(horizonMs: holdingHorizon * 1000)
        population.apply(to: &base)
        let rows: [Sweep.Row]
        do {
            let showsProgress = isatty(STDERR_FILENO) == 1
            rows = try await Sweep.run(prices: paths, params: sets, seeds: try seedList(), base: base, jobs: jobs) { done, total in
                guard showsProgress else { return }
                FileHandle.standardError.write(Data("\rstress: \(done)/\(total) runs".utf8) + (done == total ? Data("\n".utf8) : Data()))
            }
        } catch let error as SimulationError {
            throw CommandFailure(message: error.description)
        }
        if json {
            print(JSONWriter.string(SweepReport.json(rows)))
        } else {
            print(SweepReport.text(rows), terminator: "")
        }
        if let html {
            let page = SweepReport.page(title: "Cascade sweep: \(rows.count) runs", rows: rows)
            guard FileManager.default.createFile(atPath: html, contents: Data(page.utf8)) else {
                throw CommandFailure(message: "cannot write \(html)")
            }
            if !json { print("wrote \(html)") }
        }
    }

    /// Every `.csv` of Fixtures/prices (from the working directory), sorted.
    static func defaultPrices() throws -> [String] {
        let directory = "Fixtures/prices"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw CommandFailure(message: "no --prices given and no \(directory) here (run from the repository)")
        }
        let csvs = names.filter { $0.hasSuffix(".csv") }.sorted().map { directory + "/" + $0 }
        guard !csvs.isEmpty else { throw CommandFailure(message: "no CSV in \(directory)") }
        return csvs
    }
}
