import SolventCore

/// The running auctions as the records announce them: what a bot watching the log knows.
struct AuctionBoard {
    struct Entry: Equatable {
        var id: Seq
        var account: AccountID
        /// Still to close, a magnitude.
        var remaining: Quantity
        var direction: AuctionDirection
        var startPrice: Price
        var startTimeMs: TimeMs
        var curve: AuctionCurve
        var isFundUnwind: Bool { account == .insurance }
    }

    /// Sorted by id (ids are seqs, so they only grow).
    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    func entry(_ id: Seq) -> Entry? { index(id).map { entries[$0] } }

    private func index(_ id: Seq) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].id == id ? low : nil
    }

    /// Follows one record (started, fill, adl, reset, ended).
    mutating func observe(_ record: Record) {
        switch record.event {
        case .auctionStarted(let p):
            // `qty` is what the auction does for the account: negative when it sells a long.
            let remaining = -p.qty
            entries.append(Entry(id: p.auction, account: p.account, remaining: remaining.magnitude,
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
    func direction(_ id: Seq) -> AuctionDirection? { entry(id)?.direction }
}
