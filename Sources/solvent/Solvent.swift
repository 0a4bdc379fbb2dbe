import ArgumentParser
import SolventStore

@main
struct Solvent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solvent",
        abstract: "Event-sourced margin ledger and liquidation engine: offline tools and a daemon client.",
        version: Release.versionText,
        subcommands: [
            InitCommand.self, AppendCommand.self, LogCommand.self, VerifyCommand.self,
            AccountCommand.self, ParamsCommand.self, BenchCommand.self, SendCommand.self,
            ReplayCommand.self, ProveCommand.self, CheckProofCommand.self, CrashTestCommand.self,
            SimulateCommand.self, StressCommand.self, TailCommand.self, BotCommand.self, DemoCommand.self, DashboardCommand.self, StandbyCommand.self,
            ClusterCommand.self, ClusterTestCommand.self,
        ]
    )

    /// SPEC §9 puts `--data DIR` before the subcommand (`solvent --data DIR init`); the argument
    /// parser reads options after it, so global options are moved to just after its name.
    static func main() async {
        HashSeed.seedIdentifierHashes()  // before any ledger is made: crafted ids cannot line up
        await main(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    }

    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--data", rest.count >= 2 {
                globals += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--data=") {
                globals.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard let subcommand = rest.first, !globals.isEmpty else { return arguments }
        return [subcommand] + globals + rest.dropFirst()
    }
}

/// Options every data-directory command takes; may be given before or after the subcommand.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory holding the LMDB environment.")
    var data: String = "./solvent-data"
}
