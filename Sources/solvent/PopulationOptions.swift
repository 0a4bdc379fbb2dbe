import ArgumentParser
import SolventSim

/// The capital of the simulated world, shared by `simulate` and `stress`: how much the bidding
/// bots and the insurance fund hold, as fractions of the population's open interest. They are
/// assumptions about a venue, not risk parameters; a quant varies them to ask "how large a fund
/// (or how much keeper capital) would these parameters need on this day?" (docs/CASCADES.md).
struct PopulationOptions: ParsableArguments {
    @Option(help: "Σ bot capital as a fraction of open interest.")
    var botCapital = SimConfig().botCapitalRatio
    @Option(help: "The insurance fund's opening balance as a fraction of open interest.")
    var insurance = SimConfig().insuranceRatio

    func validate() throws {
        guard botCapital > 0, botCapital <= 10 else { throw ValidationError("--bot-capital must be in (0, 10]") }
        guard insurance > 0, insurance <= 10 else { throw ValidationError("--insurance must be in (0, 10]") }
    }

    func apply(to config: inout SimConfig) {
        config.botCapitalRatio = botCapital
        config.insuranceRatio = insurance
    }
}
