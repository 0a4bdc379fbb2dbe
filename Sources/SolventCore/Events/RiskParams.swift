/// The price curve of a liquidation auction, after MakerDAO's abaci (SPEC §5.4).
public enum AuctionCurve: String, CaseIterable, Sendable, FieldValue {
    case linear
    case stairstep
    case exponential
}

/// The risk parameters in force (SPEC §6). Durations are milliseconds, like every time in the log.
/// Defaults are documented in docs/PARAMETERS.md; change them there and here together. The
/// property initialisers are the defaults of rules 1 and 2; `init(rules:)` applies the later
/// rules' own (a log that never sets a parameter must keep re-deriving under its rules' values).
public struct RiskParams: Equatable, Sendable {
    /// Margin-call zone: MM < equity < MM × (1 + callBuffer).
    public var callBuffer = Rate(raw: 20_000_000)           // 0.2
    /// Time from margin call to forced liquidation; 0 disables the deadline.
    public var callGraceMs: Int64 = 300_000                  // 5 minutes
    /// Partial liquidation step, a fraction of the position.
    public var liqStep = Rate(raw: 25_000_000)               // 0.25
    /// Auction start price distance from mark.
    public var auctionBuffer = Rate(raw: 2_000_000)          // 0.02
    public var curve = AuctionCurve.stairstep
    /// Linear curve: time for the price to reach zero.
    public var tauMs: Int64 = 600_000
    /// Stairstep curve: length of one step.
    public var stepMs: Int64 = 10_000
    /// Stairstep/exponential: multiplier per step (per second for exponential).
    public var cut = Rate(raw: 99_000_000)                   // 0.99
    /// Auction reset after this long.
    public var tailMs: Int64 = 600_000
    /// Auction reset when price / start price falls below this.
    public var cusp = Rate(raw: 60_000_000)                  // 0.6
    public var minFee = Rate(raw: 500_000)                   // 0.005
    public var maxFee = Rate(raw: 3_000_000)                 // 0.03
    public var feeDepth = Money(units: 1_000_000)
    public var dustNotional = Money(units: 10)
    public var holeGlobal = Money(units: 50_000_000)
    public var holeMarket = Money(units: 20_000_000)
    public var maxJump = Rate(raw: 30_000_000)               // 0.3
    public var confirmations: Int64 = 3
    public var maxStalenessMs: Int64 = 60_000
    /// Rules 2: the insurance fund's initial margin rate. A backstop is taken only while the
    /// fund's equity afterwards stays ≥ its notional × fundImr at the marks; and it pays a
    /// shortfall only out of its equity above that. 0.25 (4x) is stricter than any tier a
    /// trader may use (docs/PARAMETERS.md).
    public var fundImr = Rate(raw: 25_000_000)               // 0.25
    /// Rules 2: the fund's maintenance margin rate. A fund whose equity falls to its notional ×
    /// fundMmr has its positions closed by ADL in the same event.
    public var fundMmr = Rate(raw: 12_500_000)               // 0.125

    /// The defaults of `rules` (new logs: the current rules').
    public init(rules: RulesVersion = .current) {
        if rules.hasSweptDefaults { applySweptDefaults() }
    }

    /// Rules 3: the defaults chosen from the sweep over every recorded crash day × seeds 1–5
    /// (docs/CASCADES.md "Defaults from evidence", docs/PARAMETERS.md "Defaults by engine rules").
    private mutating func applySweptDefaults() {
        // Liquidate at the margin-call deadline, 5 s after the account's equity falls below
        // 2 × MM, while equity is left for the penalty and the bidders' discount; at the MM
        // alone (tier 0: 0.4 % of notional) nothing is left by the time the auction fills.
        callBuffer = .one                                    // 1
        callGraceMs = 5_000
        // The penalty below tier 0's maintenance rate, so a partial close can take an account
        // out of the margin-call zone (with 0.5 % none could: every liquidation closed all).
        minFee = Rate(raw: 200_000)                          // 0.002
        maxFee = Rate(raw: 2_000_000)                        // 0.02
        liqStep = Rate(raw: 50_000_000)                      // 0.5
        // A slow, fine curve from the mark (0.02 % a second): the first bidder whose discount it
        // reaches takes it there, where a 1 % stair jumped past every bidder at once.
        auctionBuffer = .zero
        curve = .exponential
        cut = Rate(raw: 99_980_000)                          // 0.9998 per second
        tailMs = 60_000
    }
}

/// A full or partial parameter set; absent fields keep their value. The same JSON shape is
/// accepted by `params.set`, `solvent replay --params` and `solvent simulate --params`.
public struct ParamsSet: Payload {
    /// Applies to one market only when present; otherwise to all.
    public var market: MarketID?
    public var callBuffer: Rate?
    public var callGrace: Int64?
    public var liqStep: Rate?
    public var auctionBuffer: Rate?
    public var curve: AuctionCurve?
    public var tau: Int64?
    public var step: Int64?
    public var cut: Rate?
    public var tail: Int64?
    public var cusp: Rate?
    public var minFee: Rate?
    public var maxFee: Rate?
    public var feeDepth: Money?
    public var dustNotional: Money?
    public var holeGlobal: Money?
    public var holeMarket: Money?
    public var maxJump: Rate?
    public var confirmations: Int64?
    public var maxStaleness: Int64?
    /// Rules 2 only (an extension block: absent from older payloads' bytes). Global only.
    public var fundImr: Rate?
    public var fundMmr: Rate?
    /// The engine rules the sender means (`solvent params --json` prints them): when present,
    /// `check` refuses the set unless the log is written under exactly these rules, so rules-2
    /// parameters cannot be applied to a rules-1 log by mistake. Changes no parameter.
    public var rules: Int64?

    public init() {}

    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("callBuffer", &callBuffer)
        try c.field("callGrace", &callGrace)
        try c.field("liqStep", &liqStep)
        try c.field("auctionBuffer", &auctionBuffer)
        try c.field("curve", &curve)
        try c.field("tau", &tau)
        try c.field("step", &step)
        try c.field("cut", &cut)
        try c.field("tail", &tail)
        try c.field("cusp", &cusp)
        try c.field("minFee", &minFee)
        try c.field("maxFee", &maxFee)
        try c.field("feeDepth", &feeDepth)
        try c.field("dustNotional", &dustNotional)
        try c.field("holeGlobal", &holeGlobal)
        try c.field("holeMarket", &holeMarket)
        try c.field("maxJump", &maxJump)
        try c.field("confirmations", &confirmations)
        try c.field("maxStaleness", &maxStaleness)
        if try c.extensions(present: fundImr != nil || fundMmr != nil || rules != nil) {
            try c.field("fundImr", &fundImr)
            try c.field("fundMmr", &fundMmr)
            try c.field("rules", &rules)
            try c.endExtensions(present: fundImr != nil || fundMmr != nil || rules != nil)
        }
    }

    /// `base` with every present field of this set applied.
    public func applied(to base: RiskParams) -> RiskParams {
        var p = base
        p.callBuffer = callBuffer ?? p.callBuffer
        p.callGraceMs = callGrace ?? p.callGraceMs
        p.liqStep = liqStep ?? p.liqStep
        p.auctionBuffer = auctionBuffer ?? p.auctionBuffer
        p.curve = curve ?? p.curve
        p.tauMs = tau ?? p.tauMs
        p.stepMs = step ?? p.stepMs
        p.cut = cut ?? p.cut
        p.tailMs = tail ?? p.tailMs
        p.cusp = cusp ?? p.cusp
        p.minFee = minFee ?? p.minFee
        p.maxFee = maxFee ?? p.maxFee
        p.feeDepth = feeDepth ?? p.feeDepth
        p.dustNotional = dustNotional ?? p.dustNotional
        p.holeGlobal = holeGlobal ?? p.holeGlobal
        p.holeMarket = holeMarket ?? p.holeMarket
        p.maxJump = maxJump ?? p.maxJump
        p.confirmations = confirmations ?? p.confirmations
        p.maxStalenessMs = maxStaleness ?? p.maxStalenessMs
        p.fundImr = fundImr ?? p.fundImr
        p.fundMmr = fundMmr ?? p.fundMmr
        return p
    }

    /// The full set as a `ParamsSet` (every field of `rules` present), for `solvent params --json`
    /// and snapshots: under rules 1 the fund's margins are not parameters and stay absent.
    public init(full p: RiskParams, rules: RulesVersion = .current) {
        callBuffer = p.callBuffer; callGrace = p.callGraceMs; liqStep = p.liqStep
        auctionBuffer = p.auctionBuffer; curve = p.curve; tau = p.tauMs; step = p.stepMs
        cut = p.cut; tail = p.tailMs; cusp = p.cusp; minFee = p.minFee; maxFee = p.maxFee
        feeDepth = p.feeDepth; dustNotional = p.dustNotional; holeGlobal = p.holeGlobal
        holeMarket = p.holeMarket; maxJump = p.maxJump; confirmations = p.confirmations
        maxStaleness = p.maxStalenessMs
        if rules.fundIsMargined {
            fundImr = p.fundImr
            fundMmr = p.fundMmr
        }
    }

    func validate() throws(InputError) {
        let rates: [(Rate?, String)] = [(callBuffer, "callBuffer"), (liqStep, "liqStep"), (auctionBuffer, "auctionBuffer"),
                                        (cut, "cut"), (cusp, "cusp"), (minFee, "minFee"), (maxFee, "maxFee"), (maxJump, "maxJump"),
                                        (fundImr, "fundImr"), (fundMmr, "fundMmr")]
        for (rate, name) in rates {
            guard let rate else { continue }
            guard rate >= .zero, rate <= .one else {
                throw InputError(code: "bad_rate", field: name, message: "must be between 0 and 1")
            }
        }
        // At most 100 partial steps: the engine tries each in turn when sizing a liquidation.
        if let liqStep, liqStep < Rate(raw: 1_000_000) {
            throw InputError(code: "bad_rate", field: "liqStep", message: "must be at least 0.01")
        }
        if let step, step <= 0 { throw InputError(code: "bad_integer", field: "step", message: "must be greater than 0") }
        let durations: [(Int64?, String)] = [(callGrace, "callGrace"), (tau, "tau"), (step, "step"),
                                              (tail, "tail"), (maxStaleness, "maxStaleness"), (confirmations, "confirmations")]
        for (duration, name) in durations where (duration ?? 0) < 0 {
            throw InputError(code: "bad_integer", field: name, message: "must not be negative")
        }
        let amounts: [(Money?, String)] = [(feeDepth, "feeDepth"), (dustNotional, "dustNotional"),
                                           (holeGlobal, "holeGlobal"), (holeMarket, "holeMarket")]
        for (amount, name) in amounts where (amount ?? .zero) < .zero {
            throw InputError(code: "bad_amount", field: name, message: "must not be negative")
        }
        try validateFundMargins()
    }

    /// The fund spans every market, so its margins are global; a maintenance rate of 0 would let
    /// the fund ride a position to its bankruptcy price, and one above the initial rate would
    /// deleverage a fund at once after every backstop it was allowed to take.
    func validateFundMargins() throws(InputError) {
        if market != nil, fundImr != nil || fundMmr != nil {
            throw InputError(code: "bad_field", field: fundImr != nil ? "fundImr" : "fundMmr",
                             message: "the insurance fund spans every market: its margins can only be set globally")
        }
        for (rate, name) in [(fundImr, "fundImr"), (fundMmr, "fundMmr")] where rate.map({ !$0.isPositive }) ?? false {
            throw InputError(code: "bad_rate", field: name, message: "must be greater than 0")
        }
        if let fundImr, let fundMmr, fundMmr > fundImr {
            throw InputError(code: "bad_rate", field: "fundMmr", message: "must not exceed fundImr")
        }
    }
}
