import Testing
@testable import SolventCore

// Properties of the liquidation engine over generated histories under rules 2 (SPEC §5.7–5.10,
// issue 20): two markets with cross-margined traders, prices that random-walk, crash or spike
// (some gapping past bankruptcy prices, some on both markets at once), oracle outages that halt a
// market, tight auction caps that defer liquidations, a fund that is large, empty or small,
// leveraged trades, deposits, withdrawals, funding, bids from funded bots at any time between
// clocks, and clock ticks moving time on by one curve step. Every property is checked after
// every event.

/// What the properties remember along a history: auctions running (from the derived records the
/// driver saw), the recorded bad debt of each account, and the money that entered and left
/// according to the log's own records.
struct EngineWatch {
    struct RunningAuctionInfo {
        var liquidation: Seq
        var account: AccountID
        var market: MarketID
        var ticksSinceStart = 0
        /// Whether its account's other leg was re-marked while it ran: out of the bound (see `track`).
        var crossRemarked = false
    }

    var auctions: [Seq: RunningAuctionInfo] = [:]
    /// The amount of the `bad_debt` record of each account's last liquidation, while no new one runs.
    var badDebt: [AccountID: Money] = [:]
    /// Σ `deposit` + Σ `insurance.deposit` − Σ `withdrawal.accepted`, from the records.
    var netDeposited = Money.zero
    var longestAuctionTicks = 0
    /// Fund unwinds (auctions of `insurance`'s own position) that bids filled to the end.
    var fundUnwindsFilled = 0
    /// Backstops the fund took only part of: an `auction.fill` by `insurance` followed by `adl`
    /// records of the same liquidation in the same event.
    var partialBackstops = 0
    /// `adl` records of the fund's own maintenance (`liquidation` names `insurance.deleveraged`).
    var fundADLs = 0
    var counts: [EventKind: Int] = [:]

    var running: [Seq] { auctions.keys.sorted() }
    var auctionMarkets: [Seq: String] { auctions.mapValues { $0.market.description } }
}

@Suite("Liquidation engine: properties of generated histories")
struct EnginePropertyTests {
    static let seeds: ClosedRange<UInt64> = 1...30
    /// The exercise test's seeds: more than the others, since a loss that neither the fund nor
    /// ADL at the bankruptcy price can carry (`insurance.absorbed`, `bad_debt`) needs a gap, a
    /// thin fund and thin counterparties at once: once in these 60 (seed 19), none in seeds 61–90.
    static let exerciseSeeds: ClosedRange<UInt64> = 1...60
    static let eventsPerHistory = 400

    /// The auction bound, in clock ticks of one `step` each, derived from the parameters.
    ///
    /// An account is liquidated with `equity ≤ MM × (1 + callBuffer)` (the margin-call expiry is
    /// the later trigger). Its auction closes the position with the largest MM contribution, so
    /// with the generator's two markets MM ≤ 2 × that position's MM ≤ 2 × mmrMax × its notional,
    /// and the position's bankruptcy price lies within `2 × mmrMax × (1 + callBuffer)` of the
    /// mark: `P_b ≥ mark × (1 − 0.024)` for a long. The auction starts at `mark × (1 +
    /// auctionBuffer) = 1.02 × mark` and the stairstep curve reaches `P_b` once `cut^k ≤ 0.976 /
    /// 1.02`, i.e. k = 5 steps (0.99^5 = 0.951 ≤ 0.9569 < 0.99^4); mirrored for a short.
    /// Reaching `P_b` ends the auction at the next tick or bid (backstop or ADL); `cusp` (0.6) and
    /// `tail` (600 s) are far beyond 5 steps, so no reset comes first. Funding may move `P_b` by
    /// |rate| ≤ 0.2 % of the mark per payment: allow one more step. Bound: 5 + 1 + 1 = 7 ticks.
    /// Cash reaching the account later (a fill above `P_b`, a deposit, funding, the other leg's
    /// gain) lowers `P_b` only while the account stays unhealthy, which keeps `P_b` within the
    /// same band of the mark; once healthy, the next clock (or the fill or deposit itself) ends
    /// the auction `recovered`. Ticks of a halted market do not count (its auctions stand still)
    /// and its resumption restarts the curve (`auction.reset {reason: "resumed"}`); an
    /// `adl_exhausted` end restarts the liquidation with a new auction, counted afresh; and an
    /// auction whose account holds another market that is re-marked while it runs is out of the
    /// bound: the other leg's value moves the bankruptcy price (cross margin), possibly many
    /// steps under the curve, which stays where it was.
    /// Computed here from the curve itself rather than hard-coded.
    static func auctionBoundTicks(_ p: RiskParams, mmrMax: Rate, markets: Int64) -> Int {
        let zone = Rate.one + p.callBuffer
        let reach = Rate(raw: FixedMath.mulDivRoundingUp(mmrMax.raw * markets, zone.raw, fixedScale))
        let start = Price(units: 10_000)
        let falling = start.times(.one + p.auctionBuffer, rounding: .down)
        let rising = start.times(.one - p.auctionBuffer, rounding: .up)
        let lowest = start.times(.one - reach, rounding: .down)
        let highest = start.times(.one + reach, rounding: .up)
        var k = 0
        while AuctionPrice.price(curve: p.curve, start: falling, elapsedMs: Int64(k) * EngineHistoryGenerator.tickMs, direction: .falling, params: p) > lowest
            || AuctionPrice.price(curve: p.curve, start: rising, elapsedMs: Int64(k) * EngineHistoryGenerator.tickMs, direction: .rising, params: p) < highest {
            k += 1
            precondition(k < 1_000, "the curve never reaches the bankruptcy band")
        }
        return k + 1 + 1  // the tick that ends it, and one step of funding drift
    }

    /// Runs one seeded history, asserting every property after every event; returns the driver
    /// (with its log) and what was watched.
    static func run(seed: UInt64) -> (LedgerDriver, EngineWatch) {
        var generator = EngineHistoryGenerator(seed: seed)
        var d = LedgerDriver()
        var watch = EngineWatch()
        for event in generator.genesis(seed: seed) {
            let from = d.log.count
            d.send(event)
            watch.netDeposited += netDeposits(d.log[from...])
        }
        let bound = auctionBoundTicks(d.ledger.global.params, mmrMax: rate(EngineHistoryGenerator.mmrMax),
                                      markets: Int64(EngineHistoryGenerator.markets.count))
        for _ in 0..<eventsPerHistory {
            let event = generator.next(d.ledger, running: watch.running, auctionMarkets: watch.auctionMarkets)
            if case .clock = event { d.time += EngineHistoryGenerator.tickMs - 1 } else { d.time += generator.random.int(0...EngineHistoryGenerator.maxGapMs) }
            do { try d.ledger.check(event) } catch { continue }
            let before = d.ledger
            let seq = d.nextSeq
            let from = d.log.count
            let derived = d.append(event)
            watch.netDeposited += netDeposits(d.log[from...])
            observe(event, derived: derived, seq: seq, before: before, after: d.ledger, watch: &watch, bound: bound, seed: seed)
        }
        return (d, watch)
    }

    /// Money in and out according to the records themselves: `deposit` and `insurance.deposit`
    /// inputs in, `withdrawal.accepted` records out.
    static func netDeposits(_ records: ArraySlice<Record>) -> Money {
        var net = Money.zero
        for record in records {
            switch record.event {
            case .deposit(let p): net += p.amount
            case .insuranceDeposit(let p): net += p.amount
            case .withdrawalAccepted(let p): net -= p.amount
            default: break
            }
        }
        return net
    }

    static func observe(_ event: Event, derived: [Event], seq: Seq, before: Ledger, after: Ledger,
                        watch: inout EngineWatch, bound: Int, seed: UInt64) {
        let context = "seed \(seed) seq \(seq) \(event.kindName) → \(derived.map(\.kindName))"
        // Positions sum to zero per market, the engine's running totals match (and the ledger's
        // own conservation against its lifetime totals).
        let problems = after.invariantViolations()
        #expect(problems.isEmpty, "\(context): \(problems)")
        #expect(after.totalCash() == watch.netDeposited,
                "\(context): Σcash \(after.totalCash()) ≠ deposits − withdrawals from the records \(watch.netDeposited)")
        for record in derived { watch.counts[record.kind, default: 0] += 1 }
        expectADLLossWithinShortfall(derived, seq: seq, before: before, after: after, watch: &watch, context: context)
        expectPenaltiesKeepEquity(derived, before: before, after: after, context: context)
        expectBadDebtRecordsMatchShortfalls(derived, context: context)
        track(event, derived: derived, after: after, watch: &watch, bound: bound, context: context)
        expectFundSolventAndMaintained(after, derived: derived, context: context)
        expectSolventOrBadDebt(after, watch: watch, context: context)
        expectFundPositionUnderItsUnwind(after, context: context)
        expectAuctionsMatchPositions(after, context: context)
    }

    /// SPEC §5.8. The loss ADL imposes is what its counterparties give up against the mark:
    /// Σ over `adl` records of qty × (price − mark) for a short counterparty buying back (qty ×
    /// (mark − price) for a long one selling). Records are grouped by their `liquidation` id,
    /// which names either a liquidation running before the event or an `insurance.deleveraged`
    /// record of this event (the fund's maintenance). The shortfall it covers is the deleveraged
    /// side's deficit at the mark: for a liquidation, max(0, −equity) of its account just
    /// before; for the fund, max(0, −equity) the record states, at the marks after the event.
    /// Closing at the bankruptcy price brings that equity to zero and closing at the mark costs
    /// nothing, so the loss is at most the deficit up to rounding: one raw unit per record plus
    /// the quantity times one raw price unit.
    static func expectADLLossWithinShortfall(_ derived: [Event], seq: Seq, before: Ledger, after: Ledger,
                                             watch: inout EngineWatch, context: String) {
        var deleveraged: [Seq: InsuranceDeleveraged] = [:]
        for (offset, record) in derived.enumerated() {
            if case .insuranceDeleveraged(let p) = record { deleveraged[seq + 1 + UInt64(offset)] = p }
        }
        let adls = derived.compactMap { event -> ADL? in if case .adl(let p) = event { p } else { nil } }
        for group in Set(adls.map(\.liquidation)).sorted() {
            let records = adls.filter { $0.liquidation == group }
            if let fund = deleveraged[group] {
                watch.fundADLs += records.count
                expectFundADL(records, record: fund, after: after, context: context)
            } else {
                expectADLLoss(records, before: before, context: context)
            }
        }
    }

    /// One liquidation's ADL run (at its bankruptcy price, then at the mark for what
    /// counterparties' equity could not take there).
    static func expectADLLoss(_ adls: [ADL], before: Ledger, context: String) {
        let first = adls[0]
        guard let l = before.engine.liquidationIndex(id: first.liquidation), let mark = before.mark(market: first.market) else {
            Issue.record("\(context): ADL for \(first.liquidation), neither a running liquidation nor this event's insurance.deleveraged")
            return
        }
        let account = before.engine.liquidations[l].account
        let deficit = max(Money.zero, -before.marginTotals(account: account, cash: before.accounts.states[account].cash).equity)
        let ownerLong = before.positions(before.accounts.id(account)).first { $0.market == first.market }?.qty.isPositive ?? false
        expectLoss(adls, ownerLong: ownerLong, mark: mark, deficit: deficit, what: "liquidation \(first.liquidation)", context: context)
    }

    /// The fund's maintenance ADL of one market.
    static func expectFundADL(_ adls: [ADL], record: InsuranceDeleveraged, after: Ledger, context: String) {
        guard let mark = after.mark(market: record.market) else {
            Issue.record("\(context): fund ADL in \(record.market) without a mark")
            return
        }
        #expect(adls.allSatisfy { $0.market == record.market }, "\(context): fund ADL outside \(record.market)")
        let deficit = max(Money.zero, -record.equity)
        #expect(record.price == mark || record.equity.isNegative,
                "\(context): the fund deleveraged at \(record.price), not the mark \(mark), with equity \(record.equity)")
        expectLoss(adls, ownerLong: record.qty.isPositive, mark: mark, deficit: deficit, what: "the fund's maintenance", context: context)
    }

    static func expectLoss(_ adls: [ADL], ownerLong: Bool, mark: Price, deficit: Money, what: String, context: String) {
        var loss = Int128(0)
        var closed = Quantity.zero
        for adl in adls {
            // The owner sells a long to short counterparties buying at `price`, or buys back a
            // short from long ones selling at it.
            let perUnit = ownerLong ? Int128(adl.price.raw) - Int128(mark.raw) : Int128(mark.raw) - Int128(adl.price.raw)
            loss += Int128(adl.qty.raw) * perUnit
            closed += adl.qty
        }
        let lossMoney = Money(raw: Int64((loss + Int128(fixedScale) - 1) / Int128(fixedScale)))
        let tolerance = Money(raw: Int64(adls.count) + closed.raw / fixedScale + 1)
        #expect(lossMoney <= deficit + tolerance, "\(context): ADL of \(what) imposes \(lossMoney), the shortfall at mark \(mark) is \(deficit)")
    }

    /// SPEC §5.6: a penalty never drives the liquidated account's equity below zero (a bid
    /// moves nothing else of that account, so its equity after the event is the one after the
    /// fee), and it is at most `maxFee` of the fill's notional.
    static func expectPenaltiesKeepEquity(_ derived: [Event], before: Ledger, after: Ledger, context: String) {
        for event in derived {
            guard case .auctionFill(let fill) = event, fill.penalty.isPositive else { continue }
            let notional = fill.qty.notional(at: fill.price, rounding: .up)
            #expect(fill.penalty <= notional.times(rate("0.01"), rounding: .up), "\(context): penalty above maxFee")
            guard let a = before.engine.auctionIndex(id: fill.auction) else { continue }
            let account = before.engine.auctions[a].account
            let equity = after.marginTotals(account: account, cash: after.accounts.states[account].cash).equity
            #expect(!equity.isNegative, "\(context): penalty \(fill.penalty) left equity \(equity)")
        }
    }

    /// SPEC §5.7: a liquidation that finishes with a shortfall the fund did not pay in full has a
    /// `bad_debt` record of exactly the rest, before its `liquidation.finished`; one paid in full
    /// has none. The fund never pays more than the shortfall.
    static func expectBadDebtRecordsMatchShortfalls(_ derived: [Event], context: String) {
        var recorded: [Seq: BadDebt] = [:]
        for event in derived {
            switch event {
            case .badDebt(let p):
                #expect(recorded[p.liquidation] == nil, "\(context): two bad_debt records for liquidation \(p.liquidation)")
                #expect(p.amount.isPositive, "\(context): bad_debt of \(p.amount)")
                recorded[p.liquidation] = p
            case .liquidationFinished(let p):
                #expect(p.insurancePaid <= p.shortfall, "\(context): the fund paid more than the shortfall")
                let uncovered = p.shortfall - p.insurancePaid
                let amount = recorded.removeValue(forKey: p.liquidation)?.amount ?? .zero
                #expect(amount == uncovered, "\(context): liquidation \(p.liquidation) left \(uncovered) uncovered, bad_debt says \(amount)")
                #expect(uncovered.isZero || -p.equityAfter == uncovered,
                        "\(context): liquidation \(p.liquidation) ends at equity \(p.equityAfter) with \(uncovered) uncovered")
            default:
                break
            }
        }
        #expect(recorded.isEmpty, "\(context): bad_debt without its liquidation.finished: \(recorded.keys.sorted())")
    }

    /// Keeps the running auctions, bad debt and outcome counters current, and checks the auction
    /// bound (see `auctionBoundTicks`).
    static func track(_ event: Event, derived: [Event], after: Ledger, watch: inout EngineWatch, bound: Int, context: String) {
        var backstopped: Set<Seq> = []
        var partial: Set<Seq> = []
        for record in derived {
            switch record {
            case .auctionStarted(let p):
                watch.auctions[p.auction] = .init(liquidation: p.liquidation, account: p.account, market: p.market)
            case .auctionReset(let p) where p.reason == "resumed":
                watch.auctions[p.auction]?.ticksSinceStart = 0
            case .auctionFill(let p) where p.bidder == .insurance:
                backstopped.insert(p.liquidation)
            case .adl(let p) where backstopped.contains(p.liquidation):
                partial.insert(p.liquidation)
            case .auctionEnded(let p):
                if let info = watch.auctions.removeValue(forKey: p.auction) {
                    if info.account == .insurance {
                        if p.reason == "filled" { watch.fundUnwindsFilled += 1 }
                    } else {
                        watch.longestAuctionTicks = max(watch.longestAuctionTicks, info.ticksSinceStart)
                    }
                }
            case .liquidationStarted(let p):
                watch.badDebt[p.account] = nil
            case .badDebt(let p):
                watch.badDebt[p.account] = p.amount
            default:
                break
            }
        }
        watch.partialBackstops += partial.count
        if case .oraclePrice(let p) = event, !derived.contains(where: { $0.kind == .oracleRejected }), let m = after.marketIndexByID[p.market] {
            // A cross-margined account's bankruptcy price in its auction's market moves with its
            // other positions' marks, and the curve does not follow it (seed 40: a 9 % BTC
            // crash's gain on the short leg put the ETH leg's bankruptcy price ~12 % under the
            // curve, ~10 steps away, with the account still unhealthy): such an auction is out
            // of the bound, which holds for a bankruptcy price that only funding moves.
            for id in watch.auctions.keys where watch.auctions[id]!.market != p.market {
                guard let account = after.accounts.index(of: watch.auctions[id]!.account),
                      !after.markets[m].cell(account).qty.isZero else { continue }
                watch.auctions[id]!.crossRemarked = true
            }
        }
        guard case .clock = event else { return }
        // Every auction, including those whose account received cash after it started (a fill
        // above the bankruptcy price, a deposit): that account is either still unhealthy, so
        // its bankruptcy price is within the bound's reach, or its auction ends `recovered`.
        // Except the fund's unwinds (they have no bankruptcy price to reach and end only when
        // bids or the fund's maintenance have taken all) and auctions of a halted market, which
        // stand still.
        for id in watch.auctions.keys where watch.auctions[id]!.account != .insurance {
            guard let m = after.marketIndexByID[watch.auctions[id]!.market], !after.markets[m].halted,
                  !watch.auctions[id]!.crossRemarked else { continue }
            watch.auctions[id]!.ticksSinceStart += 1
            let info = watch.auctions[id]!
            #expect(info.ticksSinceStart <= bound, "\(context): auction \(id) still running after \(info.ticksSinceStart) ticks (bound \(bound))")
        }
    }

    /// SPEC §5.7, §5.10 under rules 2: the fund's equity at the marks is ≥ 0 after every event,
    /// with no exemption (no unwind excuses it any more), and a fund that holds a position with
    /// its equity at or below its MM was deleveraged in this event (it tried: counterparties may
    /// have been too few to take all).
    static func expectFundSolventAndMaintained(_ ledger: Ledger, derived: [Event], context: String) {
        let fund = ledger.fundMargin()
        #expect(!fund.equity.isNegative, "\(context): the fund's equity is \(fund.equity)")
        guard ledger.accounts.states[Ledger.insuranceIndex].openPositions > 0, fund.equity <= fund.mm else { return }
        #expect(derived.contains { $0.kind == .insuranceDeleveraged },
                "\(context): the fund holds positions at equity \(fund.equity) ≤ MM \(fund.mm) and was not deleveraged")
    }

    /// SPEC §5.10: an account outside liquidation with negative equity is recorded bad debt: a
    /// `bad_debt` record of its last liquidation names it, it holds no position, and it owes no
    /// more than the record says. The fund is checked above, with no exemption.
    static func expectSolventOrBadDebt(_ ledger: Ledger, watch: EngineWatch, context: String) {
        for index in ledger.accounts.states.indices where index != Ledger.insuranceIndex {
            let state = ledger.accounts.states[index]
            // A market halted for staleness starts no liquidation for its holders (SPEC §5.9):
            // an account holding a position there waits, unassessed, at a mark nobody vouches
            // for, and a move of its other market can take it below zero meanwhile. The
            // resumption assesses every holder, and from that event on it is checked again.
            guard !state.isLiquidating, !ledger.holdsHaltedMarket(account: index) else { continue }
            let equity = ledger.marginTotals(account: index, cash: state.cash).equity
            guard equity.isNegative else { continue }
            let id = ledger.accounts.id(index)
            guard let amount = watch.badDebt[id] else {
                Issue.record("\(context): \(id) has equity \(equity) outside liquidation and no bad_debt record")
                continue
            }
            #expect(state.openPositions == 0, "\(context): bad debt \(id) still holds a position")
            #expect(-equity <= amount, "\(context): \(id) owes \(-equity), more than its bad_debt record \(amount)")
        }
    }

    /// The fund holds a position only under a running unwind that sells exactly all of it.
    static func expectFundPositionUnderItsUnwind(_ ledger: Ledger, context: String) {
        for m in ledger.markets.indices {
            let position = ledger.markets[m].cell(Ledger.insuranceIndex).qty
            let unwind = ledger.engine.auctions.first { $0.isFundUnwind && $0.market == m }
            #expect((unwind?.remaining ?? .zero) == position, "\(context): the fund holds \(position) with unwind \(String(describing: unwind))")
        }
    }

    /// An auction closes part of its account's position: same side, never more than it holds.
    static func expectAuctionsMatchPositions(_ ledger: Ledger, context: String) {
        for auction in ledger.engine.auctions {
            let position = ledger.markets[auction.market].cell(auction.account).qty
            let holds = !position.isZero && position.isPositive == auction.remaining.isPositive && position.magnitude >= auction.remaining.magnitude
            #expect(holds, "\(context): auction \(auction.id) closes \(auction.remaining) of a position of \(position)")
        }
    }

    @Test(arguments: seeds)
    func spec510InvariantsHoldAfterEveryEvent(seed: UInt64) {
        let (d, _) = Self.run(seed: seed)
        #expect(d.log.count > Self.eventsPerHistory / 2)
    }

    /// The generator must actually exercise the engine: across the seeds, every kind of engine
    /// record occurs, rules 2's included (a property that is never tested is no property).
    @Test func generatedHistoriesExerciseEveryEngineOutcome() {
        var totals: [EventKind: Int] = [:]
        var longest = 0
        var unwindsFilled = 0
        var partialBackstops = 0
        var fundADLs = 0
        for seed in Self.exerciseSeeds {
            let (_, watch) = Self.run(seed: seed)
            totals.merge(watch.counts, uniquingKeysWith: +)
            longest = max(longest, watch.longestAuctionTicks)
            unwindsFilled += watch.fundUnwindsFilled
            partialBackstops += watch.partialBackstops
            fundADLs += watch.fundADLs
        }
        print("engine outcomes:", totals.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.name)=\($0.value)" }, "longest auction ticks:", longest,
              "fund unwinds filled:", unwindsFilled, "partial backstops:", partialBackstops, "fund ADL records:", fundADLs)
        #expect(partialBackstops > 0, "no backstop was partly taken by the fund in \(Self.exerciseSeeds.count) histories")
        #expect(fundADLs > 0, "the fund's maintenance never deleveraged anyone in \(Self.exerciseSeeds.count) histories")
        for kind in [EventKind.marginCall, .marginCallCleared, .liquidationStarted, .liquidationDeferred, .auctionStarted, .auctionFill,
                     .auctionReset, .auctionBidRejected, .auctionEnded, .adl, .liquidationFinished, .insuranceAbsorbed,
                     .marketHalted, .marketResumed, .insuranceDeleveraged, .badDebt] {
            #expect(totals[kind, default: 0] > 0, "no \(kind.name) in \(Self.exerciseSeeds.count) histories: \(totals)")
        }
    }

    /// SPEC §5.10 replay: the log's canonical bytes, fed to `Rederivation` as `verify` does,
    /// re-derive every record byte for byte and end in the same snapshot bytes.
    @Test(arguments: seeds)
    func replayReDerivesEveryRecordAndTheSameSnapshot(seed: UInt64) {
        let (d, _) = Self.run(seed: seed)
        var rederivation = Rederivation(ledger: Ledger(rules: defaultTestRules))
        for record in d.log {
            if let mismatch = rederivation.feed(RecordCodec.encode(record)[...]) {
                Issue.record("seed \(seed): \(mismatch)")
                return
            }
        }
        #expect(rederivation.finish() == nil)
        #expect(rederivation.ledger.encodeSnapshot() == d.ledger.encodeSnapshot())
        #expect(replay(d.log) == d.ledger)
    }
}
