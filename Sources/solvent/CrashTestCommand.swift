import ArgumentParser
import Foundation
import SolventDrills

struct CrashTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-test",
        abstract: "kill -9 a running solventd under load, again and again; check nothing acknowledged is lost.",
        discussion: """
            Starts solventd on a temporary directory, drives it from several clients that record every \
            acknowledged key, kills it with SIGKILL at a random moment, restarts it and resends what \
            was not answered (same keys), for N rounds (at least 2); one kill lands while it recovers, \
            one while it drains after SIGTERM. Then stops it with SIGTERM and checks that every round \
            acknowledged keys, nothing is left unanswered, every acknowledged key is in the log exactly \
            once at the seq its reply gave, no refused key is, and the log verifies. Prints acked=… \
            found=… lost=… duplicated=… min_round_acks=… refused_logged=… pending=… recovery_kills=… \
            drain_kills=… verify=…; exits 1 unless all hold. \
            tools/crash-test builds and runs this.
            """
    )

    @Option(help: "Kill-and-restart rounds.") var rounds = 20
    @Option(help: "Concurrent clients.") var clients = 4
    @Option(help: "The solventd executable (default: next to this one).") var daemon: String?
    @Option(help: "Working directory (default: a new temporary one, removed when the drill passes).") var directory: String?

    func run() async throws {
        let daemonPath = DrillPaths.daemon(daemon)
        let workDirectory = DrillPaths.workDirectory(directory, prefix: "solvent-crash")
        let drill = CrashDrill(daemonPath: daemonPath, directory: workDirectory, rounds: rounds, clients: clients)
        let verbose = isatty(STDERR_FILENO) != 0
        let report = try await drill.run { line in
            if verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        print(report)
        guard report.passed else {
            FileHandle.standardError.write(Data("crash-test: FAILED; the directory is kept: \(workDirectory)\n".utf8))
            throw ExitCode.failure
        }
        print("data: \(drill.dataDirectory)")
        if directory == nil { print("(kept for `solvent verify`; tools/crash-test removes it)") }
    }
}
