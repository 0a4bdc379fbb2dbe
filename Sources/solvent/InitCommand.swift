import ArgumentParser
import SolventCore
import SolventStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create an empty log in the data directory.")

    @OptionGroup var options: DataOptions

    @Option(help: "Write a state snapshot every N records.")
    var snapshotEvery: UInt64 = Journal.defaultSnapshotEvery

    @Option(help: ArgumentHelp("The engine rules the log is written under, for its whole life (docs/FORMAT.md \"Engine rules\").",
                               discussion: "An earlier version keeps that version's defaults, e.g. for a venue that has not reviewed the newer ones."))
    var rules = RulesVersion.current.rawValue

    func validate() throws {
        guard snapshotEvery > 0 else { throw ValidationError("--snapshot-every must be positive") }
        guard RulesVersion(rawValue: rules) != nil else {
            throw ValidationError("--rules must be \(RulesVersion.first)–\(RulesVersion.current)")
        }
    }

    func run() throws {
        try EventLog.create(directory: options.data, createdTimeMs: TimeMs(wallClockMs()), snapshotEvery: snapshotEvery,
                            rules: RulesVersion(rawValue: rules)!)
        print("initialized \(options.data)")
    }
}
