// Cash in and out: deposits, withdrawals, insurance deposits (SPEC §4).

extension Ledger {
    mutating func applyDeposit(_ p: Deposit, account known: Int? = nil) {
        let index = known ?? accounts.intern(p.account)
        accounts.states[index].cash += p.amount
        touchADL(index)
        totalDeposited += p.amount
    }

    mutating func applyInsuranceDeposit(_ p: InsuranceDeposit) {
        accounts.states[Self.insuranceIndex].cash += p.amount
        totalDeposited += p.amount
    }

    /// Accepted when `amount <= available` (SPEC §3) and no liquidation runs on the account.
    mutating func applyWithdrawal(_ p: Withdrawal) -> Event {
        guard let index = accounts.index(of: p.account) else { preconditionFailure("withdrawal from unknown account \(p.account)") }
        let state = accounts.states[index]
        let available = marginTotals(account: index, cash: state.cash).available
        let reason: String? = state.isLiquidating ? "liquidating" : (p.amount > available ? "insufficient_available" : nil)
        if let reason {
            var rejected = WithdrawalRejected()
            rejected.account = p.account
            rejected.amount = p.amount
            rejected.ref = p.ref
            rejected.reason = reason
            rejected.available = available
            return .withdrawalRejected(rejected)
        }
        accounts.states[index].cash -= p.amount
        touchADL(index)
        totalWithdrawn += p.amount
        var accepted = WithdrawalAccepted()
        accepted.account = p.account
        accepted.amount = p.amount
        accepted.ref = p.ref
        accepted.available = available
        return .withdrawalAccepted(accepted)
    }
}
