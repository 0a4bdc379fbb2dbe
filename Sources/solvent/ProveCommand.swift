import ArgumentParser
import Foundation
import SolventAudit
import SolventCore

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Write an inclusion proof of an account's state under a state.root of the log.",
        discussion: "Uses the last state.root at or before --at (default: the end of the log). Read-only."
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "Account id.") var id: String
    @Option(help: "Prove under the last state.root at or before this seq.") var at: UInt64?
    @Option(help: "Write the proof here instead of standard output.") var out: String?

    func run() throws {
        let account: AccountID
        do { account = try AccountID(id) } catch { throw ValidationError("account id: \(error)") }
        let log = try AuditLog(directory: options.data)
        let lastSeq = try log.lastSeq
        var progress = Progress("prove", total: lastSeq.rawValue)
        let proof: StateProof
        do { proof = try StateProof.make(account: account, atOrBefore: min(at.map { Seq($0) } ?? lastSeq, lastSeq), in: log) { progress.update($0.rawValue) } } catch let error as AuditError {
            progress.finish()
            throw CommandFailure(message: error.description)
        }
        progress.finish()
        let text = JSONWriter.string(proof.json) + "\n"
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else { throw CommandFailure(message: "cannot write \(out)") }
        } else {
            print(text, terminator: "")
        }
    }
}

struct CheckProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Verify an inclusion proof against the state.root in the log; prints the account's balance.",
        discussion: "Exit 1 when the proof does not hold. Read-only."
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "Proof file written by `solvent prove`.") var file: String

    func run() throws {
        let proof: StateProof
        do { proof = try StateProof(json: try JSONParser.parse(try readInput(file))) } catch let error as AuditError {
            throw CommandFailure(message: error.description)
        }
        let log = try AuditLog(directory: options.data)
        if let problem = try proof.check(against: log) { throw CommandFailure(message: "proof fails: \(problem)") }
        let positions = proof.leaf.positions.map { " \($0.market) qty \($0.qty) openCost \($0.openCost)" }.joined()
        print("proof ok: \(proof.leaf.account) cash \(proof.leaf.cash)\(positions) under the state.root at seq \(proof.rootSeq) (\(Hex.string(proof.root)), \(proof.leafCount) accounts)")
    }
}
