// Margin calls and triggers (SPEC §5.1–5.2). An account is assessed after every event that can
// change its equity or MM. Account-wide thresholds (callBuffer, callGrace) come from the global
// parameter set: an account spans markets, and a per-market override cannot decide for all of them.

/// What the engine decides about one account.
enum Assessment: Equatable {
    case healthy
    case marginCall
    case liquidate(LiquidationTrigger)
}

extension Ledger {
    /// The margin-call zone's top: `MM × (1 + callBuffer)`, rounded up (what the account must hold).
    @inline(__always)  // see `marginTotals`
    func callZoneTop(_ totals: MarginTotals) -> Money {
        totals.mm + totals.mm.times(globalParams.callBuffer, rounding: .up)
    }

    /// Liquidate at `equity ≤ MM`; margin call while `MM < equity < MM × (1 + callBuffer)`.
    @inline(__always)  // see `marginTotals`
    func assessment(_ totals: MarginTotals) -> Assessment {
        if totals.equity <= totals.mm { return .liquidate(.maintenance) }
        return totals.equity < callZoneTop(totals) ? .marginCall : .healthy
    }

    /// Assesses account `index` and records what follows: a margin call entered or cleared, an
    /// expired deadline, or a liquidation started. `totals`: its current margin totals when the
    /// caller already has them (a trade's `SettledTrade`), else they are computed here.
    mutating func assess(account index: Int, totals: MarginTotals? = nil, into sink: inout DerivedSink) {
        decide(account: index, totals: totals, into: &sink)
        rearm(account: index)
    }

    /// `assess`, and for an account under liquidation the recovery check: the deposit may have
    /// made the rest of its auction needless (docs/LIQUIDATION.md "Recovery"). A deferred one,
    /// with no auction, waits for the queue's walk.
    mutating func assessAfterDeposit(account index: Int, into sink: inout DerivedSink) {
        if accounts.states[index].isLiquidating, let a = engine.auctionIndex(account: index),
           !markets[engine.auctions[a].market].halted {
            endIfRecovered(auction: a, into: &sink)
            return
        }
        assess(account: index, into: &sink)
    }

    private mutating func decide(account index: Int, totals known: MarginTotals?, into sink: inout DerivedSink) {
        // Fields read in place: copying the record retained and released its id on every call.
        let flags = accounts.states[index].flags
        guard flags & AccountState.Flags.liquidating == 0, index != Self.insuranceIndex, index != Self.feesIndex else { return }
        let cash = accounts.states[index].cash
        // Debug builds (the tests) check that totals handed in are the ones computed here.
        assert(known == nil || known == marginTotals(account: index, cash: cash), "stale totals handed to assess")
        let hasPositions = accounts.states[index].openPositions > 0
        // Through the static form: from here (mutating) a call was passed a copy of the ledger.
        let totals = known ?? markets.withUnsafeBufferPointer {
            Self.marginTotals(in: $0, account: index, hasPositions: hasPositions, cash: cash, change: nil)
        }
        let decision: Assessment = hasPositions ? assessment(totals) : .healthy
        let call = flags & AccountState.Flags.marginCall != 0 ? engine.callIndex(account: index) : nil
        switch decision {
        case .liquidate(let trigger):
            beginLiquidation(account: index, trigger: trigger, totals: totals, into: &sink)
        case .marginCall:
            if let call {
                guard let deadline = engine.calls[call].deadline, deadline <= sink.time else { return }
                beginLiquidation(account: index, trigger: .marginCallExpired, totals: totals, into: &sink)
            } else {
                enterMarginCall(index, totals: totals, into: &sink)
            }
        case .healthy:
            guard let call else { return }
            leaveMarginCall(call, totals: totals, into: &sink)
        }
    }

    private mutating func enterMarginCall(_ index: Int, totals: MarginTotals, into sink: inout DerivedSink) {
        let grace = globalParams.callGraceMs
        let deadline: TimeMs? = grace > 0 ? sink.time + grace : nil
        engine.addCall(MarginCallEntry(account: index, deadline: deadline))
        accounts.states[index].flags |= AccountState.Flags.marginCall
        var call = MarginCall()
        call.account = accounts.id(index)
        call.equity = totals.equity
        call.mm = totals.mm
        call.deadline = deadline
        sink.append(.marginCall(call))
    }

    private mutating func leaveMarginCall(_ call: Int, totals: MarginTotals, into sink: inout DerivedSink) {
        let index = engine.calls[call].account
        removeMarginCall(call)
        var cleared = MarginCallCleared()
        cleared.account = accounts.id(index)
        cleared.equity = totals.equity
        cleared.mm = totals.mm
        sink.append(.marginCallCleared(cleared))
    }

    mutating func removeMarginCall(_ call: Int) {
        accounts.states[engine.calls[call].account].flags &= ~AccountState.Flags.marginCall
        engine.calls.remove(at: call)
    }

    /// Accounts whose margin-call deadline has passed at `time`, in account order.
    func expiredCalls(at time: TimeMs) -> [Int] {
        engine.calls.compactMap { entry in
            guard let deadline = entry.deadline, deadline <= time else { return nil }
            return entry.account
        }
    }

    /// Assesses every holder of market `m` in account order: after funding (every holder's
    /// cash moved) and a parameter change. O(holders); oracle ticks use the trigger index.
    mutating func assessHolders(market m: Int, into sink: inout DerivedSink) {
        var index = 0
        while index < markets[m].cells.count {
            if !markets[m].cells[index].qty.isZero { assess(account: index, into: &sink) }
            index += 1
        }
    }

    /// Assesses the holders of market `m` that its new mark crosses: O(log n + crossed).
    mutating func assessCrossed(market m: Int, into sink: inout DerivedSink) {
        guard let mark = markets[m].mark else { return }
        for index in crossedHolders(market: m, mark: mark) { assess(account: index, into: &sink) }
    }
}
