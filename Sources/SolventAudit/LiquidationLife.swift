import SolventCore

/// Which records of the log belong to one liquidation's life (SPEC §4/§5): the margin call that
/// preceded it (if it was still open), a deferral, `liquidation.started`, the account's auctions
/// of this liquidation with every bid on them and their fills, rejections, resets and ends, the
/// fund's payment, ADL and `liquidation.finished`. Found from the log's own records, so a
/// tampered life is still the life the log claims; the re-derivation then judges it.
///
/// The fund's unwind of a backstopped position (an `auction.started` of account `insurance`
/// naming this liquidation) is the fund's own sale and outlives the liquidation: it is left out.
public struct LiquidationLife: Sendable {
    public let liquidation: Seq
    public var started: LiquidationStarted
    public var startedRecord: Record
    /// Seqs of every record of the life, ascending (inputs such as bids included).
    public var seqs: [Seq] = []
    public var auctions: [Seq] = []
    public var marginCall: Record?
    public var finished: Record?
    /// After the previous liquidation of the account finished (0 if none): where its episode
    /// begins, the start of a what-if run.
    public var episodeStart: Seq = 0
    /// The input that caused the first record of the life: the replay starts before it.
    public var firstCause: Seq
    /// The last seq the replay must reach: the end of the input that finished the liquidation,
    /// or the log's end while it runs.
    public var lastSeq: Seq

    /// Scans the log for the life of liquidation `id`.
    public static func find(_ id: Seq, in log: AuditLog, progress: ((Seq) -> Void)? = nil) throws -> LiquidationLife {
        guard let record = try log.record(id), case .liquidationStarted(let started) = record.event,
              started.liquidation == id
        else { throw AuditError("seq \(id) is not a liquidation.started record: a liquidation's id is the seq of its liquidation.started (see `solvent replay --list`)") }
        var scan = Scan(started: started, record: record)
        try log.forEach(progress: progress) { scan.feed($0) }
        return scan.life(lastLogSeq: try log.lastSeq)
    }

    /// The life's state machine, fed every record of the log in order.
    private struct Scan {
        var life: LiquidationLife
        var openCall: Record?
        var deferral: Record?
        var finishCause: Seq?
        var done = false

        init(started: LiquidationStarted, record: Record) {
            life = LiquidationLife(liquidation: started.liquidation, started: started, startedRecord: record,
                                   firstCause: record.cause ?? record.seq, lastSeq: record.seq)
        }

        var account: AccountID { life.started.account }

        mutating func feed(_ record: Record) -> Bool {
            if record.seq < life.liquidation { before(record); return true }
            if let finishCause, record.cause != finishCause { life.lastSeq = record.seq - 1; done = true; return false }
            if belongs(record) { life.seqs.append(record.seq) }
            if case .liquidationFinished(let p) = record.event, p.liquidation == life.liquidation {
                life.finished = record
                finishCause = record.cause
            }
            return true
        }

        /// Before the start: remember the account's open margin call or deferral.
        mutating func before(_ record: Record) {
            switch record.event {
            case .marginCall(let p) where p.account == account: openCall = record
            case .marginCallCleared(let p) where p.account == account: openCall = nil
            case .liquidationDeferred(let p) where p.account == account: deferral = record
            case .liquidationFinished(let p) where p.account == account:
                openCall = nil
                deferral = nil
                life.episodeStart = record.seq
            default: break
            }
        }

        mutating func belongs(_ record: Record) -> Bool {
            let id = life.liquidation
            switch record.event {
            case .liquidationStarted(let p): return p.liquidation == id
            case .auctionStarted(let p):
                guard p.liquidation == id, p.account == account else { return false }
                life.auctions.append(p.auction)
                return true
            case .auctionBid(let p): return life.auctions.contains(p.auction)
            case .auctionFill(let p): return life.auctions.contains(p.auction)
            case .auctionBidRejected(let p): return life.auctions.contains(p.auction)
            case .auctionReset(let p): return life.auctions.contains(p.auction)
            case .auctionEnded(let p): return life.auctions.contains(p.auction)
            case .insuranceAbsorbed(let p): return p.liquidation == id
            case .adl(let p): return p.liquidation == id
            case .badDebt(let p): return p.liquidation == id
            case .liquidationFinished(let p): return p.liquidation == id
            default: return false
            }
        }

        func life(lastLogSeq: Seq) -> LiquidationLife {
            var result = life
            if !done { result.lastSeq = lastLogSeq }
            let opening = [openCall, deferral].compactMap { $0 }
            result.marginCall = openCall
            result.seqs = (opening.map(\.seq) + result.seqs).sorted()
            result.firstCause = ([life.startedRecord] + opening).map { $0.cause ?? $0.seq }.min() ?? life.firstCause
            return result
        }
    }
}
