import SolventCore

/// The figures the live view shows, read off the log as the daemon streams it (`subscribe`):
/// everything here is counted from records, except the insurance fund's equity, which the feed
/// asks for with an `account` query.
struct DemoFigures: Sendable {
    var lastSeq: Seq = 0
    var marginCalls = 0
    var auctionsRunning = 0
    var liquidationsStarted = 0
    var liquidationsFinished = 0
    var deferred = 0
    var fills = 0
    var fundFills = 0
    /// Fills per bidder account (bots), in first-fill order.
    var botFills: [(bot: String, fills: Int)] = []
    var adl = 0
    /// Σ (shortfall − insurancePaid) of finished liquidations: what neither the fund nor ADL paid.
    var badDebt = Money.zero
    var tradesRejected = 0
    var bidsRejected = 0
    var oracleRejected = 0
    var halts = 0
    /// The insurance fund's equity at the marks (cash + Σ qty × mark), from the daemon's
    /// `account` query after each batch: one figure, never mixed with `insurance.absorbed`'s
    /// `fundAfter`, which is the fund's cash only.
    var insurance: Money?
    /// A liquidation worth auditing: the first finished one a bot bid in, else the first finished.
    var auditLiquidation: Seq?
    var liquidatedAccounts = 0
}

/// Folds the record stream into `DemoFigures`.
actor DemoTally {
    private var figures = DemoFigures()
    private var marginCalls: Set<String> = []
    private var auctions: Set<Seq> = []
    private var deferred: Set<String> = []
    private var liquidated: Set<String> = []
    private var botFills: [String: Int] = [:]
    private var botOrder: [String] = []
    private var botBidIn: Set<Seq> = []
    private var firstFinished: Seq?

    var snapshot: DemoFigures {
        var copy = figures
        copy.marginCalls = marginCalls.count
        copy.auctionsRunning = auctions.count
        copy.deferred = deferred.count
        copy.liquidatedAccounts = liquidated.count
        copy.botFills = botOrder.map { ($0, botFills[$0] ?? 0) }
        copy.auditLiquidation = copy.auditLiquidation ?? firstFinished
        return copy
    }

    var lastSeq: Seq { figures.lastSeq }

    /// Whether the engine waits on time alone: auctions step down and reset on `clock` (margin-call
    /// deadlines pass on any input, and an oracle price comes every step anyway).
    var needsClock: Bool { !auctions.isEmpty || !deferred.isEmpty }

    func setInsurance(_ equity: Money) { figures.insurance = equity }

    /// One line of the subscription (`solvent log --json` shape); false for a line that is not a
    /// record (the daemon's refusal or goodbye).
    func observe(line: String) -> Bool {
        guard let json = try? JSONParser.parse(line), let seq = Self.seq(json["seq"]),
              case .string(let kind)? = json["kind"] else { return false }
        figures.lastSeq = seq
        observe(kind: kind, json)
        return true
    }

    private func observe(kind: String, _ json: JSONValue) {
        let account = Self.string(json["account"])
        switch kind {
        case "margin.call": marginCalls.insert(account)
        case "margin.call.cleared": marginCalls.remove(account)
        case "liquidation.started":
            figures.liquidationsStarted += 1
            marginCalls.remove(account)
            deferred.remove(account)
            liquidated.insert(account)
        case "liquidation.deferred": deferred.insert(account)
        case "liquidation.finished": finished(json)
        case "auction.started": auctions.insert(Self.seq(json["auction"]) ?? 0)
        case "auction.ended": auctions.remove(Self.seq(json["auction"]) ?? 0)
        case "auction.fill": fill(json)
        case "auction.bid.rejected": figures.bidsRejected += 1
        case "adl": figures.adl += 1
        case "trade.rejected": figures.tradesRejected += 1
        case "oracle.rejected": figures.oracleRejected += 1
        case "market.halted": figures.halts += 1
        default: break
        }
    }

    private func fill(_ json: JSONValue) {
        figures.fills += 1
        let bidder = Self.string(json["bidder"])
        guard bidder != AccountID.insurance.description else { figures.fundFills += 1; return }
        if botFills[bidder] == nil { botOrder.append(bidder) }
        botFills[bidder, default: 0] += 1
        if let liquidation = Self.seq(json["liquidation"]) { botBidIn.insert(liquidation) }
    }

    private func finished(_ json: JSONValue) {
        figures.liquidationsFinished += 1
        figures.badDebt += (Self.money(json["shortfall"]) ?? .zero) - (Self.money(json["insurancePaid"]) ?? .zero)
        guard let id = Self.seq(json["liquidation"]) else { return }
        if firstFinished == nil { firstFinished = id }
        if figures.auditLiquidation == nil && botBidIn.contains(id) { figures.auditLiquidation = id }
    }

    static func seq(_ value: JSONValue?) -> Seq? {
        if case .number(let text)? = value { Seq(text) } else { nil }
    }

    static func string(_ value: JSONValue?) -> String {
        if case .string(let text)? = value { text } else { "" }
    }

    static func money(_ value: JSONValue?) -> Money? {
        if case .string(let text)? = value { try? Money(parsing: text) } else { nil }
    }
}
