import ArgumentParser
import SolventCore

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "Print the default risk parameters of the current engine rules (docs/PARAMETERS.md explains each)."
    )

    @Flag(help: "As JSON, the shape params.set and --params files accept.") var json = false

    func run() throws {
        var full = ParamsSet(full: RiskParams())
        // The rules these defaults belong to: a params.set carrying them is refused by a log of
        // other rules (docs/FORMAT.md "Engine rules").
        full.rules = Int64(RulesVersion.current.rawValue)
        let defaults = RecordJSON.json(payload: full)
        guard !json else { print(JSONWriter.string(defaults)); return }
        guard case .object(let members) = defaults else { return }
        for member in members where member.value != .null {
            print("\(member.key)\t\(JSONWriter.string(member.value))")
        }
    }
}
