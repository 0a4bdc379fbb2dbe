import SolventCore

/// What the dashboard remembers of the records it has read, beyond the ledger's state: the
/// fund's equity over time, liquidations per minute, and the newest liquidations, auction
/// events and ADL fills. Bounded: every list keeps its newest entries only.
struct History: Sendable {
    struct FundPoint: Sendable, Equatable {
        var seq: Seq
        var timeMs: TimeMs
        var equity: Money
        var cash: Money
    }

    struct Entry: Sendable, Equatable {
        var seq: Seq
        var timeMs: TimeMs
        var kind: String
        var market: MarketID?
        var account: AccountID?
        /// One line of what happened, for tables.
        var summary: String
    }

    static let keptEntries = 200
    static let keptFundPoints = 20_000
    static let keptSeqsPerAccount = 500

    private(set) var fund: [FundPoint] = []
    private(set) var liquidations: [Entry] = []
    private(set) var auctionActivity: [Entry] = []
    private(set) var adl: [Entry] = []
    private(set) var liquidationCount = 0
    private(set) var adlCount = 0
    /// Σ `bad_debt` amounts recorded.
    private(set) var badDebtRecorded = Money.zero
    /// Liquidations started per market per minute of log time (minute = time / 60,000).
    private(set) var perMinute: [MarketID: [Int64: Int]] = [:]
    /// Seqs of the records naming each account, newest last.
    private(set) var accountSeqs: [AccountID: [Seq]] = [:]
    /// The last record observed.
    private(set) var lastSeen: Seq = 0

    /// Notes `record`; `ledger` is the state after it (for the fund's equity).
    mutating func observe(_ record: Record, ledger: Ledger) {
        lastSeen = record.seq
        noteAccounts(record)
        switch record.event {
        case .liquidationStarted(let p):
            liquidationCount += 1
            perMinute[p.market, default: [:]][record.time.rawValue / 60_000, default: 0] += 1
            push(&liquidations, Entry(seq: record.seq, timeMs: record.time, kind: "liquidation.started", market: p.market,
                                      account: p.account, summary: "\(p.account) \(p.market) qty \(p.qty) (\(p.trigger))"))
        case .auctionStarted(let p):
            push(&auctionActivity, entry(record, market: p.market, account: p.account, "started: \(p.qty) from \(p.startPrice)"))
        case .auctionBid(let p):
            push(&auctionActivity, entry(record, account: p.bidder, "auction \(p.auction) bid \(p.qty) limit \(p.limitPrice)"))
        case .auctionFill(let p):
            push(&auctionActivity, entry(record, account: p.bidder, "auction \(p.auction) filled \(p.qty) at \(p.price), remaining \(p.remaining)"))
        case .auctionBidRejected(let p):
            push(&auctionActivity, entry(record, account: p.bidder, "auction \(p.auction) bid rejected: \(p.reason)"))
        case .auctionEnded(let p):
            push(&auctionActivity, entry(record, "auction \(p.auction) ended: \(p.reason), remaining \(p.remaining)"))
        case .adl(let p):
            adlCount += 1
            push(&adl, entry(record, market: p.market, account: p.account, "\(p.account) deleveraged \(p.qty) at \(p.price) (score \(p.rankScore))"))
        case .badDebt(let p):
            badDebtRecorded += p.amount
        default:
            break
        }
        sampleFund(record, ledger: ledger)
    }

    /// One fund point per minute of log time, and one at every record that moves the fund.
    private mutating func sampleFund(_ record: Record, ledger: Ledger) {
        let movesFund: Bool
        switch record.kind {
        case .insuranceAbsorbed, .insuranceDeposit, .insuranceDeleveraged, .adl, .badDebt, .auctionFill: movesFund = true
        default: movesFund = false
        }
        if !movesFund, let last = fund.last, last.timeMs.rawValue / 60_000 == record.time.rawValue / 60_000 { return }
        guard let view = ledger.account(.insurance) else { return }
        fund.append(FundPoint(seq: record.seq, timeMs: record.time, equity: view.equity, cash: view.cash))
        if fund.count > Self.keptFundPoints { fund.removeFirst(fund.count - Self.keptFundPoints / 2) }
    }

    private func entry(_ record: Record, market: MarketID? = nil, account: AccountID? = nil, _ summary: String) -> Entry {
        Entry(seq: record.seq, timeMs: record.time, kind: record.kind.name, market: market, account: account, summary: summary)
    }

    private func push(_ list: inout [Entry], _ entry: Entry) {
        list.append(entry)
        if list.count > Self.keptEntries * 2 { list.removeFirst(list.count - Self.keptEntries) }
    }

    /// Files the record under every account it names (its payload's account, buyer, seller and
    /// bidder fields, read off the record's JSON so no kind is missed).
    private mutating func noteAccounts(_ record: Record) {
        guard case .object(let members) = RecordJSON.json(record) else { return }
        var named: [AccountID] = []
        for member in members where History.accountFields.contains(member.key) {
            guard case .string(let text) = member.value, let id = try? AccountID(text), !named.contains(id) else { continue }
            named.append(id)
        }
        for id in named {
            accountSeqs[id, default: []].append(record.seq)
            if accountSeqs[id]!.count > Self.keptSeqsPerAccount * 2 {
                accountSeqs[id]!.removeFirst(Self.keptSeqsPerAccount)
            }
        }
    }

    static let accountFields: Set<String> = ["account", "buyer", "seller", "bidder"]

    /// Per-minute counts of `market` over the last `minutes` minutes up to `timeMs`, oldest first.
    func liquidationsPerMinute(market: MarketID, upTo timeMs: TimeMs, minutes: Int) -> [Int] {
        let last = timeMs.rawValue / 60_000
        return (0..<minutes).reversed().map { perMinute[market]?[last - Int64($0)] ?? 0 }
    }
}
