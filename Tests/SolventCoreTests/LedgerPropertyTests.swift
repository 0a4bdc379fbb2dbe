import Testing
@testable import SolventCore

/// Generates plausible input streams: two markets, a handful of accounts, deposits, withdrawals
/// (some beyond available), trades near the reference price (some unaffordable), oracle random
/// walks off the tick grid, funding both ways, parameter changes, and malformed inputs.
struct HistoryGenerator {
    var random: SplitMix64
    var reference: [Int64] = [20_000 * fixedScale, 2 * fixedScale]
    let markets = ["M0", "M1"]
    let lots: [Int64] = [100_000, 10_000_000]       // 0.001 and 0.1
    let ticks: [Int64] = [1_000_000, 10_000]         // 0.01 and 0.0001
    let accounts = (0..<8).map { "a\($0)" }

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    func genesis() -> [Event] {
        [listed("M0", lot: "0.001", tick: "0.01", tiers: [tier("50000", mmr: "0.004", imr: "0.008"),
                                                        tier("250000", mmr: "0.005", imr: "0.01", maint: "50"),
                                                        tier("1000000", mmr: "0.01", imr: "0.02", maint: "1300")]),
         listed("M1", lot: "0.1", tick: "0.0001", tiers: [tier("10000", mmr: "0.01", imr: "0.02"),
                                                         tier("100000", mmr: "0.02", imr: "0.05", maint: "100")])]
    }

    mutating func account() -> AccountID { id(accounts[Int(random.int(0...Int64(accounts.count - 1)))]) }

    mutating func next(_ ledger: Ledger) -> Event {
        let roll = random.int(1...100)
        switch roll {
        case 1...14: return depositEvent()
        case 15...24: return withdrawalEvent(ledger)
        case 25...64: return tradeEvent()
        case 65...79: return oracleEvent()
        case 80...87: return fundingEvent()
        case 88...89: return insuranceDeposit(Money(raw: random.int(1...1_000 * fixedScale)).description)
        case 90...92: return paramsEvent()
        case 93...94: return .clock(Clock())
        default: return malformedEvent()
        }
    }

    mutating func depositEvent() -> Event {
        var p = Deposit()
        p.account = account()
        p.amount = Money(raw: random.int(1...50_000 * fixedScale))
        return .deposit(p)
    }

    mutating func withdrawalEvent(_ ledger: Ledger) -> Event {
        var p = Withdrawal()
        p.account = account()
        let available = ledger.margin(p.account)?.available.raw ?? 0
        // Around the boundary half of the time: exactly available, one unit more, or a fraction.
        let amount: Int64 = switch random.int(0...3) {
        case 0: available
        case 1: available + 1
        case 2: available / 2
        default: random.int(1...10_000 * fixedScale)
        }
        p.amount = Money(raw: max(1, amount))
        return .withdrawal(p)
    }

    mutating func tradeEvent() -> Event {
        let m = Int(random.int(0...1))
        var p = Trade()
        p.market = id(markets[m])
        p.buyer = account()
        repeat { p.seller = account() } while p.seller == p.buyer
        p.qty = Quantity(raw: lots[m] * random.int(1...(m == 0 ? 3_000 : 20_000)))
        let drift = reference[m] / 1_000 * random.int(-20...20)
        p.price = Price(raw: max(ticks[m], (reference[m] + drift) / ticks[m] * ticks[m]))
        if random.chance(30) { p.buyerFee = Money(raw: random.int(0...5 * fixedScale)) }
        if random.chance(30) { p.sellerFee = Money(raw: random.int(0...5 * fixedScale)) }
        return .trade(p)
    }

    mutating func oracleEvent() -> Event {
        let m = Int(random.int(0...1))
        // A random walk of up to ±6 % per tick, with arbitrary 8-decimal digits.
        reference[m] = max(fixedScale / 100, reference[m] + reference[m] / 10_000 * random.int(-600...600) + random.int(0...99))
        return oracle(markets[m], Price(raw: reference[m]).description)
    }

    mutating func fundingEvent() -> Event {
        var p = Funding()
        p.market = id(markets[Int(random.int(0...1))])
        p.rate = Rate(raw: random.int(-300_000...300_000))  // ±0.003
        return .funding(p)
    }

    mutating func paramsEvent() -> Event {
        var p = ParamsSet()
        if random.chance(50) { p.market = id(markets[Int(random.int(0...1))]) }
        p.callBuffer = Rate(raw: random.int(1...50_000_000))
        return .paramsSet(p)
    }

    mutating func malformedEvent() -> Event {
        switch random.int(0...3) {
        case 0: return trade("NOPE", buyer: "a0", seller: "a1", "1", at: "1")
        case 1: return trade("M0", buyer: "a0", seller: "a1", "0.0001", at: "20000")   // off lot
        case 2: return withdrawal("stranger", "1")
        default: return deposit("fees", "1")
        }
    }
}

@Suite("Ledger: properties of generated histories")
struct LedgerPropertyTests {
    /// Runs one seeded history through check + apply, asserting the per-event properties, and
    /// returns the driver (with its log) for the replay properties.
    static func run(seed: UInt64, events count: Int) -> LedgerDriver {
        var generator = HistoryGenerator(seed: seed)
        var d = LedgerDriver()
        for event in generator.genesis() { d.send(event) }
        var refused = 0
        for _ in 0..<count {
            let event = generator.next(d.ledger)
            do { try d.ledger.check(event) } catch {
                refused += 1
                continue
            }
            let before = d.ledger
            let derived = d.append(event)
            expectProperties(after: event, derived: derived, before: before, now: d.ledger)
        }
        #expect(refused > 0, "the generator should exercise refusals")
        return d
    }

    static func expectProperties(after event: Event, derived: [Event], before: Ledger, now: Ledger) {
        let problems = now.invariantViolations()
        #expect(problems.isEmpty, "after \(event): \(problems)")
        switch (event, derived.first) {
        case (.withdrawal(let p), .withdrawalAccepted?):
            #expect(!now.margin(p.account)!.available.isNegative, "withdrawal made available negative")
        case (.trade(let p), nil):
            for (side, account) in [(p.qty, p.buyer), (-p.qty, p.seller)] {
                let old = before.positions(account).first { $0.market == p.market }?.qty ?? .zero
                let new = old + side
                guard new.magnitude > old.magnitude else { continue }
                let totals = now.margin(account)!
                #expect(!totals.available.isNegative, "trade increasing \(account)'s exposure left available \(totals.available)")
                #expect(totals.equity >= totals.im)
            }
        case (.trade, .tradeRejected?):
            // All or nothing: apart from seq and time, a rejected trade changes nothing.
            var unchanged = before
            unchanged.lastSeq = now.lastSeq
            unchanged.lastTimeMs = now.lastTimeMs
            #expect(unchanged.encodeSnapshot() == now.encodeSnapshot())
        default:
            break
        }
    }

    @Test(arguments: 1...24 as ClosedRange<UInt64>)
    func invariantsHoldAfterEveryEventOfAGeneratedHistory(seed: UInt64) {
        let d = Self.run(seed: seed, events: 400)
        #expect(d.log.contains { $0.kind == .withdrawalRejected }, "seed \(seed) never rejected a withdrawal")
        #expect(d.log.contains { $0.kind == .withdrawalAccepted })
        #expect(d.log.contains { $0.kind == .tradeRejected }, "seed \(seed) never rejected a trade")
        let acceptedTrades = d.log.indices.filter { d.log[$0].kind == .trade && (d.log.indices.contains($0 + 1) ? d.log[$0 + 1].cause == nil : true) }
        #expect(acceptedTrades.count >= 20, "seed \(seed) accepted only \(acceptedTrades.count) trades")
        #expect(d.log.contains { $0.kind == .funding })
    }

    @Test(arguments: 101...112 as ClosedRange<UInt64>)
    func replayingTheLogReDerivesEveryRecordAndTheSameBytes(seed: UInt64) {
        let d = Self.run(seed: seed, events: 300)
        let first = Self.reDerive(d.log, onto: Ledger(rules: d.ledger.rules))
        let second = Self.reDerive(d.log, onto: Ledger(rules: d.ledger.rules))
        #expect(first == second)
        #expect(first == d.ledger.encodeSnapshot())
    }

    @Test(arguments: 201...212 as ClosedRange<UInt64>)
    func snapshotPlusTailEqualsReplayFromGenesis(seed: UInt64) throws {
        let d = Self.run(seed: seed, events: 300)
        var random = SplitMix64(seed: seed)
        // Cut only between an input's group of records, as the store snapshots.
        let cuts = d.log.indices.filter { $0 == d.log.count || d.log[$0].cause == nil }
        for _ in 0..<4 {
            let cut = cuts[Int(random.int(0...Int64(cuts.count - 1)))]
            let head = replay(d.log[..<cut])
            let snapshot = head.encodeSnapshot()
            let restored = try Ledger(snapshot: snapshot)
            #expect(restored.encodeSnapshot() == snapshot)
            let tail = d.log[cut...]
            let fromSnapshot = Self.reDerive(tail, onto: restored)
            #expect(fromSnapshot == d.ledger.encodeSnapshot(), "seed \(seed) cut \(cut)")
        }
    }

    /// Replays like `verify`: applies inputs, compares each re-derived event with the logged
    /// record at the next seqs, skips logged derived records. Returns the final snapshot bytes.
    static func reDerive(_ records: some Collection<Record>, onto start: Ledger) -> [UInt8] {
        var ledger = start
        var expected: [Seq: Event] = [:]
        for record in records where record.cause != nil { expected[record.seq] = record.event }
        for record in records where record.cause == nil {
            let derived = ledger.apply(record.event, seq: record.seq, time: record.time)
            for (offset, event) in derived.enumerated() {
                #expect(expected[record.seq + 1 + UInt64(offset)] == event, "re-derived record \(record.seq + 1 + UInt64(offset)) differs")
            }
        }
        return ledger.encodeSnapshot()
    }
}
