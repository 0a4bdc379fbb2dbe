import ArgumentParser
import SolventCore

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "Print the default risk parameters (docs/PARAMETERS.md explains each)."
    )

    @Flag(help: "As JSON, the shape params.set and --params files accept.") var json = false

    func run() throws {
        let defaults = RecordJSON.json(payload: ParamsSet(full: RiskParams()))
        guard !json else { print(JSONWriter.string(defaults)); return }
        guard case .object(let members) = defaults else { return }
        for member in members where member.value != .null {
            print("\(member.key)\t\(JSONWriter.string(member.value))")
        }
    }
}
