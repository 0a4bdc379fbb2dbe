import SolventCore

/// One request of the drill: its key, its line, and the event it carries, encoded as a record
/// with seq 1 and time 0 — what identifies it in the log (every generated event is unique: refs,
/// publish times and bid prices carry the key's number).
struct DrillRequest: Sendable {
    var key: String
    var line: String
    var identity: [UInt8]
    /// The event's JSON (what a batch of requests carries in `events`).
    var json: String
    /// For a batch append: its events' identities, in order (`identity` is then empty).
    var items: [[UInt8]] = []

    init(key: String, event json: String) {
        self.key = key
        self.json = json
        line = #"{"op":"append","key":"\#(key)","event":\#(json)}"#
        guard let input = try? RecordJSON.input(line: Array(json.utf8), requireTime: false) else {
            preconditionFailure("the drill generated a malformed event: \(json)")
        }
        identity = RecordCodec.encode(Record(seq: 1, time: 0, event: input.event))
    }

    /// One batch append of `requests`' events under `key` (issue 24): one key, one commit.
    init(key: String, batch requests: [DrillRequest]) {
        self.key = key
        json = ""
        line = #"{"op":"append","key":"\#(key)","events":[\#(requests.map(\.json).joined(separator: ","))]}"#
        identity = []
        items = requests.map(\.identity)
    }

    var isBatch: Bool { !items.isEmpty }

    /// The key under which the drill tracks event `index` of a batch (the log stores only the
    /// batch's key, with its first accepted event).
    func itemKey(_ index: Int) -> String { "\(key)#\(index)" }
}

/// The drill's traffic: a market and funded accounts first, then per client a mix of deposits,
/// withdrawals, trades, oracle prices and bids on auctions the engine has started.
struct DrillLoad {
    static let market = "BTC-PERP"

    static func setup(clients: Int) -> [DrillRequest] {
        var requests = [DrillRequest(key: "setup-market", event: #"{"kind":"market.listed","market":"BTC-PERP","lotSize":"0.001","tickSize":"0.1","tiers":[{"notionalCap":"50000","mmr":"0.004","imr":"0.008","maintAmount":"0"},{"notionalCap":"250000","mmr":"0.005","imr":"0.01","maintAmount":"50"}]}"#)]
        requests.append(DrillRequest(key: "setup-price", event: #"{"kind":"oracle.price","market":"BTC-PERP","price":"20000","publishTime":1}"#))
        requests.append(DrillRequest(key: "setup-fund", event: #"{"kind":"insurance.deposit","amount":"1000000"}"#))
        requests.append(DrillRequest(key: "setup-bot", event: #"{"kind":"deposit","account":"bot","amount":"10000000","ref":"setup-bot"}"#))
        for client in 0..<clients {
            for side in ["l", "s"] {
                let key = "setup-c\(client)\(side)"
                requests.append(DrillRequest(key: key, event: #"{"kind":"deposit","account":"c\#(client)\#(side)","amount":"1000","ref":"\#(key)"}"#))
            }
        }
        return requests
    }

    let client: Int
    private var number = 0
    private var rng = SystemRandomNumberGenerator()

    init(client: Int) { self.client = client }

    /// Now and then (one exchange in four) a batch append of 2–24 fresh events instead of a
    /// single append, so kills land inside batches too.
    mutating func nextRequest(auctions: [Seq]) -> DrillRequest {
        guard Int.random(in: 0..<4, using: &rng) == 0 else { return next(auctions: auctions) }
        let events = (0..<Int.random(in: 2...24, using: &rng)).map { _ in next(auctions: auctions) }
        number += 1
        return DrillRequest(key: "c\(client)-b\(number)", batch: events)
    }

    /// The next fresh request; `auctions` are ids the engine has started (bids go there).
    mutating func next(auctions: [Seq]) -> DrillRequest {
        number += 1
        let key = "c\(client)-\(number)"
        let long = "c\(client)l", short = "c\(client)s"
        // A unique value per request: keeps every event distinct in the log.
        let unique = client * 1_000_000 + number
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<4:
            let account = Bool.random(using: &rng) ? long : short
            return DrillRequest(key: key, event: #"{"kind":"deposit","account":"\#(account)","amount":"\#(Int.random(in: 1...200, using: &rng))","ref":"\#(key)"}"#)
        case 4..<6:
            let account = Bool.random(using: &rng) ? long : short
            return DrillRequest(key: key, event: #"{"kind":"withdrawal","account":"\#(account)","amount":"\#(Int.random(in: 1...300, using: &rng))","ref":"\#(key)"}"#)
        case 6..<11:
            let qty = "0.0\(Int.random(in: 1...9, using: &rng))"
            let price = "\(Int.random(in: 19_900...20_100, using: &rng)).\(Int.random(in: 0...9, using: &rng))"
            return DrillRequest(key: key, event: #"{"kind":"trade","market":"BTC-PERP","buyer":"\#(long)","seller":"\#(short)","qty":"\#(qty)","price":"\#(price)","ref":"\#(key)"}"#)
        case 11..<17:
            // Wide enough to liquidate the leveraged side now and then; held by the jump guard
            // when it moves too far at once, which is logged too.
            let price = "\(Int.random(in: 16_000...24_000, using: &rng)).\(Int.random(in: 0...9, using: &rng))"
            return DrillRequest(key: key, event: #"{"kind":"oracle.price","market":"BTC-PERP","price":"\#(price)","publishTime":\#(unique)}"#)
        default:
            guard let auction = auctions.randomElement(using: &rng) else {
                return DrillRequest(key: key, event: #"{"kind":"deposit","account":"\#(long)","amount":"1","ref":"\#(key)"}"#)
            }
            // The fraction is the unique number: no two bids alike.
            let fraction = String(unique)
            let limit = "\(Int.random(in: 10_000...30_000, using: &rng))." + String(repeating: "0", count: max(0, 8 - fraction.count)) + fraction
            return DrillRequest(key: key, event: #"{"kind":"auction.bid","auction":\#(auction),"bidder":"bot","qty":"0.001","limitPrice":"\#(limit)"}"#)
        }
    }
}
