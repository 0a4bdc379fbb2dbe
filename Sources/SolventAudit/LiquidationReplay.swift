import SolventCore

/// `solvent replay --liquidation ID`: re-derives one liquidation from the nearest snapshot before
/// its cause and compares every record, byte for byte, with the log (SPEC §9).
public struct LiquidationReplay: Sendable {
    public var life: LiquidationLife
    /// The seq of the snapshot the replay started from (0: genesis).
    public var startSeq: Seq
    /// The first record where log and re-derivation differ, nil when reproduced.
    public var mismatch: ReplayMismatch?
    /// Each record of the life: what the log holds beside what the engine derives again.
    public var records: [RecordPair] = []
    /// The account's state before the input that caused the liquidation, and after it.
    public var before: AccountView?
    public var after: AccountView?
    /// The parameters in force for the liquidated market when it started, and their version.
    public var params = RiskParams()
    public var paramsVersion: Seq = 0
    /// The engine rules the log is written under, which the replay applies.
    public var rules = RulesVersion.current
    public var listing: MarketListed?
    /// The account over the window, one point per input that left it with a position.
    public var series: [SeriesPoint] = []

    public var verdict: String { mismatch == nil ? "reproduced" : "mismatch" }
    public var account: AccountID { life.started.account }
    public var market: MarketID { life.started.market }

    /// Runs the replay; `progress` is called with seqs as the log is read.
    public static func run(_ id: Seq, in log: AuditLog, progress: ((Seq) -> Void)? = nil) throws -> LiquidationReplay {
        let life = try LiquidationLife.find(id, in: log, progress: progress)
        var rederivation = try log.rederivation(startingAtOrBefore: life.firstCause - 1)
        var replay = LiquidationReplay(life: life, startSeq: rederivation.lastSeq)
        replay.rules = rederivation.ledger.rules
        let wanted = Set(life.seqs)
        var derivedBySeq: [Seq: Record] = [:]
        var logBySeq: [Seq: Record] = [:]
        try log.forEach(from: rederivation.lastSeq + 1, through: life.lastSeq, progress: progress) { record in
            if wanted.contains(record.seq) { logBySeq[record.seq] = record }
            if record.kind.isInput && record.seq == life.startedRecord.cause { replay.before = rederivation.ledger.account(life.started.account) }
            if let mismatch = rederivation.feed(RecordCodec.encode(record)[...]) {
                replay.mismatch = mismatch
                if let expected = mismatch.expected { derivedBySeq[expected.seq] = expected }
                return false
            }
            guard record.kind.isInput else { return true }
            for derived in rederivation.derivedRecords where wanted.contains(derived.seq) { derivedBySeq[derived.seq] = derived }
            replay.observe(record, ledger: rederivation.ledger)
            return true
        }
        if replay.mismatch == nil, life.finished != nil, let missing = rederivation.finish() { replay.mismatch = missing }
        replay.records = life.seqs.map { seq in
            RecordPair(seq: seq, log: logBySeq[seq], derived: derivedBySeq[seq] ?? (logBySeq[seq]?.kind.isInput == true ? logBySeq[seq] : nil))
        }
        return replay
    }

    /// After each input: the account's point for the charts, and the inputs of the decision.
    private mutating func observe(_ input: Record, ledger: Ledger) {
        if input.seq == life.startedRecord.cause {
            after = ledger.account(account)
            if let (p, version) = ledger.params(market: market) { params = p; paramsVersion = version }
            listing = ledger.listing(market: market)
        }
        guard let view = ledger.account(account), input.seq <= life.lastSeq else { return }
        let line = view.positions.first { $0.market == market }
        series.append(SeriesPoint(seq: input.seq, time: input.time, mark: ledger.mark(market: market), equity: view.equity,
                                  mm: view.mm, liquidationPrice: line?.liquidationPrice, bankruptcyPrice: line?.bankruptcyPrice,
                                  qty: line?.qty ?? .zero))
    }
}

/// One record of the life as the log holds it and as the engine derives it again.
public struct RecordPair: Sendable {
    public var seq: Seq
    public var log: Record?
    public var derived: Record?
    /// Byte for byte (the canonical encoding).
    public var matches: Bool {
        guard let log, let derived else { return false }
        return RecordCodec.encode(log) == RecordCodec.encode(derived)
    }
}

/// The account after one input, for the charts.
public struct SeriesPoint: Sendable, Equatable {
    public var seq: Seq
    public var time: TimeMs
    public var mark: Price?
    public var equity: Money
    public var mm: Money
    public var liquidationPrice: Price?
    public var bankruptcyPrice: Price?
    public var qty: Quantity
}
