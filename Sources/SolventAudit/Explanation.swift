import SolventCore

/// A table of the explanation, rendered as text, JSON or HTML alike.
public struct ReportTable: Sendable {
    public var title: String
    public var columns: [String]
    public var rows: [[String]]
}

/// One formula of the decision with the numbers put in (SPEC §3, §5; docs/LIQUIDATION.md).
public struct Formula: Sendable {
    public var name: String
    public var formula: String
    public var numbers: String
    public var result: String
}

/// What a risk officer reads: why the account was liquidated, with what, and where the money went.
public struct Explanation: Sendable {
    public var summary: [String] = []
    public var formulas: [Formula] = []
    public var tables: [ReportTable] = []

    public init(_ replay: LiquidationReplay) {
        let s = replay.life.started
        summary.append("liquidation \(s.liquidation) of \(s.account): trigger \(s.trigger.rawValue) at seq \(s.liquidation) (time \(replay.life.startedRecord.time)), caused by seq \(replay.life.startedRecord.cause ?? 0)")
        summary.append(Self.triggerSentence(s, replay: replay))
        formulas = Self.formulas(replay)
        tables = [Self.inputs(replay), Self.positions(replay), Self.timeline(replay), Self.money(replay)]
    }

    static func triggerSentence(_ s: LiquidationStarted, replay: LiquidationReplay) -> String {
        switch s.trigger {
        case .maintenance:
            return "equity \(s.equity) <= maintenance margin \(s.mm): liquidatable at once (SPEC §5.2)"
        case .marginCallExpired:
            let deadline: String
            if case .marginCall(let call)? = replay.life.marginCall?.event { deadline = call.deadline.map(String.init) ?? "none" } else { deadline = "?" }
            return "margin call deadline \(deadline) passed with equity \(s.equity) still inside the call zone above MM \(s.mm) (SPEC §5.1)"
        }
    }

    static func formulas(_ replay: LiquidationReplay) -> [Formula] {
        let s = replay.life.started
        let p = replay.params
        let values = s.positions.reduce(Money.zero) { $0 + $1.value }
        let cash = s.equity - values
        var out = [Formula(name: "equity", formula: "cash + Σ qty × mark", numbers: "\(cash) + \(values)", result: "\(s.equity)")]
        for position in s.positions {
            let notional = position.value.magnitude
            let tier = replay.listing.flatMap { $0.tiers.indices.contains(Int(position.tier)) ? $0.tiers[Int(position.tier)] : nil }
            let numbers = tier.map { "max(0, ⌈\(notional) × \($0.mmr)⌉ − \($0.maintAmount))" } ?? "tier \(position.tier)"
            out.append(Formula(name: "MM \(position.market)", formula: "max(0, ⌈notional × mmr⌉ − maintAmount)",
                               numbers: numbers, result: "\(position.mm)"))
        }
        let zoneTop = s.mm + s.mm.times(p.callBuffer, rounding: .up)
        out.append(Formula(name: "margin-call zone top", formula: "MM + ⌈MM × callBuffer⌉",
                           numbers: "\(s.mm) + ⌈\(s.mm) × \(p.callBuffer)⌉", result: "\(zoneTop)"))
        out.append(Formula(name: "liquidatable", formula: "equity <= MM", numbers: "\(s.equity) <= \(s.mm)",
                           result: s.equity <= s.mm ? "yes" : "no (in the call zone)"))
        if let position = s.positions.first(where: { $0.market == s.market }) {
            out += sizeAndPrice(s, position: position, params: p)
        }
        return out
    }

    static func sizeAndPrice(_ s: LiquidationStarted, position: PositionView, params p: RiskParams) -> [Formula] {
        let fraction = position.qty.isZero ? "?" : format3(Double(s.qty.raw) / Double(position.qty.raw))
        let notional = s.qty.notional(at: position.mark, rounding: .up)
        let rate = Penalty.feeRate(liquidatedNotional: notional, params: p)
        let falling = s.qty.isPositive  // closing a long: the engine sells, the price falls
        let start = falling ? position.mark.times(.one + p.auctionBuffer, rounding: .down) : position.mark.times(.one - p.auctionBuffer, rounding: .up)
        return [
            Formula(name: "size", formula: "smallest k × liqStep of the position leaving the zone (else all)",
                    numbers: "\(s.qty.magnitude) of \(position.qty.magnitude), liqStep \(p.liqStep)", result: "\(fraction) of the position"),
            Formula(name: "auction start", formula: falling ? "mark × (1 + auctionBuffer), rounded down" : "mark × (1 − auctionBuffer), rounded up",
                    numbers: "\(position.mark) × (1 \(falling ? "+" : "−") \(p.auctionBuffer))", result: "\(start)"),
            Formula(name: "penalty rate", formula: "minFee + (maxFee − minFee) × min(1, N / feeDepth)²",
                    numbers: "\(p.minFee) + (\(p.maxFee) − \(p.minFee)) × min(1, \(notional) / \(p.feeDepth))²", result: "\(rate)"),
        ]
    }

    static func format3(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        return "\(thousandths / 1000).\(String(thousandths % 1000).leftPadded(to: 3))"
    }

    static func inputs(_ replay: LiquidationReplay) -> ReportTable {
        let s = replay.life.started
        var rows = [["equity", "\(s.equity)"], ["maintenance margin (MM)", "\(s.mm)"], ["initial margin (IM)", "\(s.im)"],
                    ["params version", "\(s.paramsVersion)"], ["callBuffer", "\(replay.params.callBuffer)"],
                    ["callGrace ms", "\(replay.params.callGraceMs)"], ["liqStep", "\(replay.params.liqStep)"],
                    ["curve", replay.params.curve.rawValue], ["minFee / maxFee / feeDepth", "\(replay.params.minFee) / \(replay.params.maxFee) / \(replay.params.feeDepth)"]]
        if let before = replay.before { rows.append(["before the cause: cash / equity / MM", "\(before.cash) / \(before.equity) / \(before.mm)"]) }
        if case .marginCall(let call)? = replay.life.marginCall?.event {
            rows.append(["margin call", "seq \(replay.life.marginCall!.seq): equity \(call.equity), MM \(call.mm), deadline \(call.deadline.map(String.init) ?? "none")"])
        }
        for (index, tier) in (replay.listing?.tiers ?? []).enumerated() {
            rows.append(["tier \(index)", "cap \(tier.notionalCap), mmr \(tier.mmr), imr \(tier.imr), maint \(tier.maintAmount)"])
        }
        return ReportTable(title: "Inputs of the decision", columns: ["input", "value"], rows: rows)
    }

    static func positions(_ replay: LiquidationReplay) -> ReportTable {
        let line = replay.after?.positions ?? replay.before?.positions ?? []
        let rows = replay.life.started.positions.map { p -> [String] in
            let prices = line.first { $0.market == p.market }
            return [p.market.text, "\(p.qty)", "\(p.mark)", "\(p.tier)", "\(p.value)", "\(p.mm)",
                    prices?.liquidationPrice?.description ?? "-", prices?.bankruptcyPrice?.description ?? "-"]
        }
        return ReportTable(title: "Positions at the decision", columns: ["market", "qty", "mark", "tier", "value", "MM", "liquidation price", "bankruptcy price"], rows: rows)
    }

    static func timeline(_ replay: LiquidationReplay) -> ReportTable {
        var rows: [[String]] = []
        for pair in replay.records {
            guard let record = pair.log ?? pair.derived else { continue }
            rows.append(["\(record.seq)", "\(record.time)", record.kind.name] + Self.describe(record.event) + [pair.matches ? "=" : "DIFFERS"])
        }
        return ReportTable(title: "Timeline", columns: ["seq", "time", "record", "who", "qty", "price", "detail", "re-derived"], rows: rows)
    }

    /// (who, qty, price, detail) of a record of the life.
    static func describe(_ event: Event) -> [String] {
        switch event {
        case .marginCall(let p): [p.account.text, "", "", "equity \(p.equity), MM \(p.mm)"]
        case .liquidationDeferred(let p): [p.account.text, "", "", p.reason]
        case .liquidationStarted(let p): [p.account.text, "\(p.qty)", "", "trigger \(p.trigger.rawValue)"]
        case .auctionStarted(let p): [p.account.text, "\(p.qty)", "\(p.startPrice)", "curve \(p.curve.rawValue), bankruptcy \(p.bankruptcyPrice?.description ?? "none")"]
        case .auctionBid(let p): [p.bidder.text, "\(p.qty)", "\(p.limitPrice)", "bid (limit)"]
        case .auctionBidRejected(let p): [p.bidder.text, "", "\(p.price)", "rejected: \(p.reason)"]
        case .auctionFill(let p): [p.bidder.text, "\(p.qty)", "\(p.price)", "penalty \(p.penalty), remaining \(p.remaining)"]
        case .auctionReset(let p): ["", "", "\(p.startPrice)", "reset: \(p.reason)"]
        case .auctionEnded(let p): ["", "\(p.remaining)", "", "ended: \(p.reason)"]
        case .insuranceAbsorbed(let p): ["insurance", "", "", "paid \(p.amount), fund after \(p.fundAfter)"]
        case .adl(let p): [p.account.text, "\(p.qty)", "\(p.price)", "ADL, rank score \(p.rankScore)"]
        case .badDebt(let p): [p.account.text, "", "", "bad debt \(p.amount): neither the fund nor ADL could carry it"]
        case .liquidationFinished(let p): [p.account.text, "\(p.closedQty)", "", "penalty \(p.penaltyPaid), shortfall \(p.shortfall), equity after \(p.equityAfter)"]
        default: ["", "", "", ""]
        }
    }

    static func money(_ replay: LiquidationReplay) -> ReportTable {
        var rows: [[String]] = []
        var proceeds = Money.zero
        for pair in replay.records {
            guard let record = pair.log else { continue }
            switch record.event {
            case .auctionFill(let p):
                let amount = p.qty.notional(at: p.price, rounding: .down)
                proceeds += amount
                rows.append(["fill to \(p.bidder)", "\(p.qty) at \(p.price) = \(amount)"])
                rows.append(["penalty to insurance", "\(p.penalty)"])
            case .insuranceAbsorbed(let p): rows.append(["insurance fund paid the shortfall", "\(p.amount) (fund after \(p.fundAfter))"])
            case .adl(let p): rows.append(["ADL counterparty \(p.account)", "\(p.qty) at \(p.price)"])
            case .badDebt(let p): rows.append(["recorded bad debt", "\(p.amount)"])
            case .liquidationFinished(let p):
                rows.append(["closed quantity", "\(p.closedQty)"])
                rows.append(["penalties in total", "\(p.penaltyPaid)"])
                rows.append(["shortfall / paid by the fund", "\(p.shortfall) / \(p.insurancePaid)"])
                rows.append(["ADL quantity", "\(p.adlQty)"])
                rows.append(["equity after", "\(p.equityAfter)"])
            default: break
            }
        }
        rows.insert(["fill notional in total", "\(proceeds)"], at: 0)
        return ReportTable(title: "Where the money went", columns: ["item", "amount"], rows: rows)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
