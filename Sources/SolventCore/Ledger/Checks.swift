// State-dependent validation (SPEC §4 "malformed input"): what `check` refuses is never logged.

extension Ledger {
    /// Refuses an input that is malformed whatever the state (bad amounts, self-trade…) or given
    /// this state (unknown market or account, off-tick price, off-lot quantity, reserved account
    /// misuse, unknown auction), or whose application could take a figure out of range
    /// (`out_of_range`, RangeChecks.swift). Throws an `InputError` naming the field; changes nothing.
    public func check(_ event: Event) throws(InputError) {
        _ = try checkResolving(event)
    }

    /// `check`, returning the indices it found on the way (a trade's market and accounts, a
    /// price's or funding's market), so that `apply` does not hash the same ids again: on the
    /// write path the market was otherwise looked up twice and both accounts twice per trade.
    func checkResolving(_ event: Event) throws(InputError) -> ResolvedIDs {
        try event.validate()
        switch event {
        case .marketListed(let p):
            guard marketIndexByID[p.market] == nil else {
                throw InputError(code: "duplicate_market", field: "market", message: "market \(p.market) is already listed")
            }
            guard markets.count < Self.maxMarkets else {
                throw InputError(code: "too_many_markets", field: "market", message: "at most \(Self.maxMarkets) markets can be listed")
            }
            try Self.checkListingRange(p)
        case .paramsSet(let p):
            if let id = p.market { _ = try marketIndex(id, field: "market") }
            if let meant = p.rules, meant != Int64(rules.rawValue) {
                throw InputError(code: "rules_mismatch", field: "rules",
                                 message: "this set is for engine rules \(meant); this log is written under rules \(rules)")
            }
            if !rules.fundIsMargined, p.fundImr != nil || p.fundMmr != nil {
                throw InputError(code: "bad_field", field: p.fundImr != nil ? "fundImr" : "fundMmr",
                                 message: "the fund's margins are rules 2; this log is written under engine rules \(rules)")
            }
            try Self.checkParamsRange(p)
        case .deposit(let p):
            try refuseReserved(p.account, field: "account", use: "receive deposits (fund insurance with insurance.deposit)")
            try checkDepositRange(p)
        case .withdrawal(let p):
            guard accounts.index(of: p.account) != nil else {
                throw InputError(code: "unknown_account", field: "account", message: "account \(p.account) has never been seen")
            }
            if p.account == .insurance {
                throw InputError(code: "reserved_account", field: "account", message: "the insurance fund cannot be withdrawn from")
            }
            try checkWithdrawalRange(p)
        case .trade(let p):
            return try checkTrade(p)
        case .oraclePrice(let p):
            let m = try marketIndex(p.market, field: "market")
            try checkOracleRange(p, market: m)
            return ResolvedIDs(market: Int32(m))
        case .funding(let p):
            let m = try marketIndex(p.market, field: "market")
            guard p.rate.magnitude <= .one else {
                throw InputError(code: "bad_rate", field: "rate", message: "a funding rate must be between -1 and 1")
            }
            try checkFundingRange(p, market: m)
            return ResolvedIDs(market: Int32(m))
        case .auctionBid(let p):
            try checkBid(p)
        case .insuranceDeposit(let p):
            try checkInsuranceDepositRange(p)
        case .clock:
            break
        default:
            break // derived kinds: `validate` already refused them
        }
        return .none
    }

    /// Checks a trade; returns its market's index and its accounts' (−1 for one never seen).
    func checkTrade(_ p: Trade) throws(InputError) -> ResolvedIDs {
        let m = try marketIndex(p.market, field: "market")
        // Two fields, not `let listing = markets[m].listing`: that copied the listing (its id
        // and tier table retained and released) on every trade.
        let tickSize = markets[m].listing.tickSize
        let lotSize = markets[m].listing.lotSize
        guard p.price.raw % tickSize.raw == 0 else {
            throw InputError(code: "off_tick", field: "price", message: "\(p.price) is not a multiple of the tick size \(tickSize)")
        }
        guard p.qty.raw % lotSize.raw == 0 else {
            throw InputError(code: "off_lot", field: "qty", message: "\(p.qty) is not a multiple of the lot size \(lotSize)")
        }
        try refuseReserved(p.buyer, field: "buyer", use: "trade")
        try refuseReserved(p.seller, field: "seller", use: "trade")
        let (buyer, seller) = accounts.indices(of: p.buyer, p.seller)
        try checkTradeRange(p, market: m, buyer: buyer, seller: seller)
        return ResolvedIDs(market: Int32(m), first: Int32(buyer ?? -1), second: Int32(seller ?? -1))
    }

    /// A bid names a running auction, a bidder other than the liquidated account and the reserved
    /// ones, and a quantity on the market's lot. Whether it fills is decided when applied.
    func checkBid(_ p: AuctionBid) throws(InputError) {
        guard let a = engine.auctionIndex(id: p.auction) else {
            throw InputError(code: "unknown_auction", field: "auction", message: "no auction \(p.auction) is running")
        }
        let auction = engine.auctions[a]
        try refuseReserved(p.bidder, field: "bidder", use: "bid")
        guard accounts.index(of: p.bidder) != auction.account else {
            throw InputError(code: "self_bid", field: "bidder", message: "the liquidated account cannot bid in its own auction")
        }
        let lot = markets[auction.market].listing.lotSize
        guard p.qty.raw % lot.raw == 0 else {
            throw InputError(code: "off_lot", field: "qty", message: "\(p.qty) is not a multiple of the lot size \(lot)")
        }
        try checkBidRange(p, bidder: accounts.index(of: p.bidder))
    }

    func marketIndex(_ id: MarketID, field: String) throws(InputError) -> Int {
        guard let m = marketIndexByID[id] else {
            throw InputError(code: "unknown_market", field: field, message: "market \(id) is not listed")
        }
        return m
    }

    func refuseReserved(_ id: AccountID, field: String, use: String) throws(InputError) {
        // Only an id as long as a reserved one can be one: most ids are told apart by their
        // length alone, without two string comparisons and the statics' lazy initialisation.
        let length = id.text.utf8.count
        guard length == Self.reservedLengths.insurance || length == Self.reservedLengths.fees else { return }
        guard id != .insurance, id != .fees else {
            throw InputError(code: "reserved_account", field: field, message: "the reserved account \(id) cannot \(use)")
        }
    }

    /// UTF-8 lengths of `insurance` and `fees`, as literals: a static `let` is initialised
    /// lazily and each read checks that it was (`swift_once`).
    static var reservedLengths: (insurance: Int, fees: Int) { (9, 4) }
}
