import SolventCore

/// The running auctions as the records announce them: what a bidder watching the log knows.
/// Shared by the simulator's in-process bots and `solvent bot` (docs/BOTS.md).
public struct AuctionBoard: Sendable {
    public struct Entry: Equatable, Sendable {
        public var id: Seq
        public var account: AccountID
        public var market: MarketID
        /// Still to close, a magnitude.
        public var remaining: Quantity
        public var direction: AuctionDirection
        public var startPrice: Price
        /// The time of its `auction.started`, or of its last `auction.reset`: the curve's origin.
        public var startTimeMs: TimeMs
        public var curve: AuctionCurve
        public var isFundUnwind: Bool { account == .insurance }

        public init(id: Seq, account: AccountID, market: MarketID, remaining: Quantity, direction: AuctionDirection,
                    startPrice: Price, startTimeMs: TimeMs, curve: AuctionCurve) {
            self.id = id
            self.account = account
            self.market = market
            self.remaining = remaining
            self.direction = direction
            self.startPrice = startPrice
            self.startTimeMs = startTimeMs
            self.curve = curve
        }
    }

    /// Sorted by id (ids are seqs, so they only grow).
    public private(set) var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func entry(_ id: Seq) -> Entry? { index(id).map { entries[$0] } }

    private func index(_ id: Seq) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].id == id ? low : nil
    }

    /// Follows one record (started, fill, reset, ended); other kinds change nothing.
    public mutating func observe(_ record: Record) {
        switch record.event {
        case .auctionStarted(let p):
            // `qty` is what the auction does for the account: negative when it sells a long.
            let remaining = -p.qty
            guard index(p.auction) == nil else { return }  // seen already (a resumed stream)
            entries.append(Entry(id: p.auction, account: p.account, market: p.market, remaining: remaining.magnitude,
                                 direction: AuctionDirection(closing: remaining), startPrice: p.startPrice,
                                 startTimeMs: record.time, curve: p.curve))
        case .auctionFill(let p):
            if let i = index(p.auction) { entries[i].remaining = p.remaining }
        case .auctionReset(let p):
            if let i = index(p.auction) {
                entries[i].startPrice = p.startPrice
                entries[i].startTimeMs = record.time
            }
        case .auctionEnded(let p):
            if let i = index(p.auction) { entries.remove(at: i) }
        default:
            break
        }
    }

    /// The direction of auction `id`'s trades for its account, nil when unknown.
    public func direction(_ id: Seq) -> AuctionDirection? { entry(id)?.direction }
}
