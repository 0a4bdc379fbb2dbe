import ArgumentParser
import SolventStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create an empty log in the data directory.")

    @OptionGroup var options: DataOptions

    @Option(help: "Write a state snapshot every N records.")
    var snapshotEvery: UInt64 = Journal.defaultSnapshotEvery

    func run() throws {
        guard snapshotEvery > 0 else { throw ValidationError("--snapshot-every must be positive") }
        try EventLog.create(directory: options.data, createdTimeMs: wallClockMs(), snapshotEvery: snapshotEvery)
        print("initialized \(options.data)")
    }
}
