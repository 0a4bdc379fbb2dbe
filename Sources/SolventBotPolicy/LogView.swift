import SolventCore

/// Everything the bot has read from its subscription: the running auctions, the markets, the
/// log's time and the last seq seen. Records are followed in seq order; one seen again (a
/// resumed stream that overlaps) is ignored, so nothing is processed twice.
public struct LogView: Sendable {
    public private(set) var auctions = AuctionBoard()
    public private(set) var markets: MarketBook
    /// The time of the latest record: the log's clock as far as the bot knows it. Auction prices
    /// are computed at it, and the bot's bids carry it, so the engine prices them the same.
    public private(set) var nowMs: TimeMs = 0
    public private(set) var lastSeq: Seq = 0

    /// The kinds the bot subscribes to: auctions, prices and their guard, market listings, halts
    /// and parameters, and `clock` (the daemon's ticks are what move auction time).
    public static let kinds = ["auction.*", "oracle.*", "market.*", "params.set", "clock"]

    /// A view of a log written under `rules`: parameters never set take those rules' defaults.
    public init(rules: RulesVersion = .current) {
        markets = MarketBook(rules: rules)
    }

    /// Starts over under `rules` unless records were read already (a log's rules never change).
    public mutating func adopt(rules: RulesVersion) {
        guard lastSeq == 0 else { return }
        self = LogView(rules: rules)
    }

    /// Follows `record`; false when it was already seen.
    @discardableResult
    public mutating func observe(_ record: Record) -> Bool {
        guard record.seq > lastSeq else { return false }
        lastSeq = record.seq
        nowMs = max(nowMs, record.time)
        auctions.observe(record)
        markets.observe(record)
        return true
    }
}
