import SolventCore

/// A set of runs: price files × parameter sets × seeds, each one `Simulation` of its own
/// (`solvent stress`, docs/CASCADES.md "Sweeps"). Rows come back sorted by file, params, seed,
/// whatever order the runs finish in.
public enum Sweep {
    /// One recorded price path, named by its file.
    public struct Prices: Sendable {
        public var name: String
        public var path: PricePath
        public var market: MarketID
        public init(name: String, path: PricePath, market: MarketID) {
            self.name = name
            self.path = path
            self.market = market
        }
    }

    /// One parameter set, named by its file ("default" for none).
    public struct Params: Sendable {
        public var name: String
        public var params: ParamsSet
        public init(name: String, params: ParamsSet) {
            self.name = name
            self.params = params
        }
    }

    /// One run of the sweep and its summary.
    public struct Row: Sendable, Equatable {
        public var file: String
        public var seed: UInt64
        public var params: String
        public var summary: SimSummary

        /// The table's figures, read off the summary (`adlShare` = adlNotional / liquidatedNotional).
        public var figures: [(key: String, value: JSONValue)] {
            let all = summary.figures
            return Sweep.figureKeys.map { key in
                if key == "adlShare" { return (key, .number(Sweep.share(summary.adlNotional, of: summary.liquidatedNotional))) }
                return (key, all.first { $0.key == key }!.value)
            }
        }

        /// `{file, seed, params, figures…}`, keys in a fixed order.
        public var json: JSONValue {
            .object([
                JSONMember("file", .string(file)),
                JSONMember("seed", .number(String(seed))),
                JSONMember("params", .string(params)),
            ] + figures.map { JSONMember($0.key, $0.value) })
        }
    }

    /// The figures of the table, in order (all but `adlShare` are `SimSummary.figures` keys).
    public static let figureKeys = [
        "liquidations", "partialLiquidations", "cascadeDepth", "liquidatedNotional", "botFillNotional", "backstopNotional",
        "adlNotional", "adlShare", "fundDeleverages", "insuranceStart", "insuranceMin", "insuranceEnd",
        "badDebt", "penalties",
    ]

    /// `part / whole` as a fraction with 4 decimals; 0 when nothing was liquidated.
    static func share(_ part: Money, of whole: Money) -> String {
        guard whole.raw != 0 else { return "0" }
        return SimSummary.fixed(Double(part.raw) / Double(whole.raw), digits: 4)
    }

    /// One run to make: its place in the table and its config.
    public struct Case: Sendable {
        public var file: String
        public var seed: UInt64
        public var params: String
        public var config: SimConfig
        public var path: PricePath
    }

    /// The runs in table order: sorted by file name, params name, seed (stable for equal names).
    public static func cases(prices: [Prices], params: [Params], seeds: [UInt64], base: SimConfig) -> [Case] {
        var out: [(order: Int, run: Case)] = []
        for p in prices {
            for set in params {
                for seed in seeds {
                    var config = base
                    config.seed = seed
                    config.market = p.market
                    config.params = set.params
                    out.append((out.count, Case(file: p.name, seed: seed, params: set.name, config: config, path: p.path)))
                }
            }
        }
        out.sort { ($0.run.file, $0.run.params, $0.run.seed, $0.order) < ($1.run.file, $1.run.params, $1.run.seed, $1.order) }
        return out.map(\.run)
    }

    /// Runs every case, at most `jobs` at a time; rows in `cases` order.
    public static func run(prices: [Prices], params: [Params], seeds: [UInt64], base: SimConfig, jobs: Int,
                           finished: (@Sendable (Int, Int) -> Void)? = nil) async throws -> [Row] {
        let all = cases(prices: prices, params: params, seeds: seeds, base: base)
        var results = [SimSummary?](repeating: nil, count: all.count)
        try await withThrowingTaskGroup(of: (Int, SimSummary).self) { group in
            var next = 0
            func start() {
                let index = next, run = all[index]
                next += 1
                group.addTask { (index, try Simulation(path: run.path, config: run.config).run().summary) }
            }
            while next < min(max(jobs, 1), all.count) { start() }
            var done = 0
            while let (index, summary) = try await group.next() {
                results[index] = summary
                done += 1
                finished?(done, all.count)
                if next < all.count { start() }
            }
        }
        return zip(all, results).map { run, summary in
            Row(file: run.file, seed: run.seed, params: run.params, summary: summary!)
        }
    }
}
