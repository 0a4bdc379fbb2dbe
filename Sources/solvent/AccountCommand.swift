import ArgumentParser
import SolventCore
import SolventStore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "An account's margin state now, or as it was after record --at SEQ."
    )

    @OptionGroup var options: DataOptions

    @Argument(help: "Account id (insurance and fees are accounts too).") var id: String
    @Option(help: "Show the state after this seq (nearest snapshot at or before it, then replay).") var at: UInt64?
    @Flag(help: "SPEC §9 JSON shape.") var json = false

    func run() throws {
        let account: AccountID
        do { account = try AccountID(id) } catch { throw ValidationError("account id: \(error)") }
        let log = try EventLog(directory: options.data, readOnly: true)
        let lastSeq = try log.read { $0.lastSeq }
        let target = min(at.map { Seq($0) } ?? lastSeq, lastSeq)
        let ledger: Ledger
        do { ledger = try log.ledger(at: target) } catch let failure as ReplayMismatch {
            throw CommandFailure(message: "the log does not re-derive: \(failure)")
        }
        guard let view = ledger.account(account) else {
            throw CommandFailure(message: "account \(id) does not appear in the log up to seq \(target)")
        }
        print(json ? JSONWriter.string(view.json) : Self.text(view))
    }

    static func text(_ view: AccountView) -> String {
        var lines = [
            "account \(view.account) at seq \(view.seq): \(view.state)",
            "  cash \(view.cash)  equity \(view.equity)  mm \(view.mm)  im \(view.im)  available \(view.available)",
        ]
        for p in view.positions {
            let optional: (Price?) -> String = { $0.map(\.description) ?? "-" }
            lines.append("  \(p.market) qty \(p.qty) entry \(optional(p.entryPrice)) mark \(optional(p.mark)) value \(p.value) "
                         + "upnl \(p.upnl) tier \(p.tier) liq \(optional(p.liquidationPrice)) bankrupt \(optional(p.bankruptcyPrice))")
        }
        return lines.joined(separator: "\n")
    }
}
