import SolventCore

/// The dashboard's views, computed from the board under its lock: each is what one page shows
/// and what one API route returns (docs/openapi.yaml). Money and prices are decimal strings,
/// as everywhere in the protocol.
struct DashboardViews {
    let ledger: Ledger
    let history: History
    let live: Bool

    static let minutesShown = 30

    // MARK: Overview

    struct MarketLine {
        var view: MarketRiskView
        var liquidationsLastMinute: Int
        var perMinute: [Int]
    }

    var markets: [MarketLine] {
        ledger.marketViews.map { view in
            let perMinute = history.liquidationsPerMinute(market: view.market, upTo: ledger.lastTimeMs, minutes: Self.minutesShown)
            return MarketLine(view: view, liquidationsLastMinute: perMinute.last ?? 0, perMinute: perMinute)
        }
    }

    var fund: AccountView? { ledger.account(.insurance) }

    var overviewJSON: JSONValue {
        let fund = self.fund
        return .object([
            JSONMember("seq", ledger.lastSeq.json),
            JSONMember("time", ledger.lastTimeMs.json),
            JSONMember("live", .bool(live)),
            JSONMember("markets", .array(markets.map { line in
                let v = line.view
                return .object([
                    JSONMember("market", v.market.json),
                    JSONMember("mark", v.mark?.json ?? .null),
                    JSONMember("markTime", v.markTimeMs.json),
                    JSONMember("halted", .bool(v.halted)),
                    JSONMember("openInterest", v.openInterest.json),
                    JSONMember("openInterestNotional", v.openInterestNotional.json),
                    JSONMember("holders", .number(String(v.holders))),
                    JSONMember("marginCalls", .number(String(v.marginCalls))),
                    JSONMember("liquidating", .number(String(v.liquidating))),
                    JSONMember("auctions", .number(String(v.auctions))),
                    JSONMember("liquidationsLastMinute", .number(String(line.liquidationsLastMinute))),
                    JSONMember("liquidationsPerMinute", .array(line.perMinute.map { .number(String($0)) })),
                ])
            })),
            JSONMember("fund", .object([
                JSONMember("equity", fund?.equity.json ?? .null),
                JSONMember("cash", fund?.cash.json ?? .null),
                JSONMember("mm", fund?.mm.json ?? .null),
                JSONMember("im", fund?.im.json ?? .null),
                JSONMember("series", .array(history.fund.suffix(600).map { point in
                    .object([JSONMember("seq", point.seq.json), JSONMember("time", point.timeMs.json),
                             JSONMember("equity", point.equity.json)])
                })),
            ])),
            JSONMember("badDebt", .object([
                JSONMember("recorded", history.badDebtRecorded.json),
                JSONMember("open", ledger.badDebt().json),
            ])),
            JSONMember("liquidations", .number(String(history.liquidationCount))),
            JSONMember("adlEvents", .number(String(history.adlCount))),
            JSONMember("recentLiquidations", .array(history.liquidations.suffix(20).reversed().map(Self.json))),
            JSONMember("recentADL", .array(history.adl.suffix(20).reversed().map(Self.json))),
        ])
    }

    static func json(_ entry: History.Entry) -> JSONValue {
        .object([
            JSONMember("seq", entry.seq.json), JSONMember("time", entry.timeMs.json), JSONMember("kind", .string(entry.kind)),
            JSONMember("market", entry.market?.json ?? .null), JSONMember("account", entry.account?.json ?? .null),
            JSONMember("summary", .string(entry.summary)),
        ])
    }

    // MARK: Liquidation map

    func map(market: MarketID, bucketBps: Int, buckets: Int) -> LiquidationMap? {
        guard let levels = ledger.liquidationLevels(market: market), let mark = ledger.mark(market: market) else { return nil }
        return LiquidationMap(market: market, mark: mark, levels: levels, bucketBps: bucketBps, buckets: buckets)
    }

    static func json(_ map: LiquidationMap, seq: Seq) -> JSONValue {
        func buckets(_ list: [LiquidationMap.Bucket]) -> JSONValue {
            .array(list.map { b in
                .object([JSONMember("near", b.near.json), JSONMember("far", b.far.json),
                         JSONMember("accounts", .number(String(b.accounts))), JSONMember("notional", b.notional.json)])
            })
        }
        return .object([
            JSONMember("seq", seq.json), JSONMember("market", map.market.json), JSONMember("mark", map.mark.json),
            JSONMember("bucketBps", .number(String(map.bucketBps))), JSONMember("positions", .number(String(map.positions))),
            JSONMember("below", buckets(map.below)), JSONMember("above", buckets(map.above)),
            JSONMember("beyondBelow", map.beyond.below.json), JSONMember("beyondAbove", map.beyond.above.json),
            JSONMember("moves", .array(map.moves.map { m in
                .object([
                    JSONMember("percent", .number(String(m.percent))),
                    JSONMember("downAccounts", .number(String(m.down.accounts))), JSONMember("downNotional", m.down.notional.json),
                    JSONMember("upAccounts", .number(String(m.up.accounts))), JSONMember("upNotional", m.up.notional.json),
                ])
            })),
        ])
    }

    // MARK: Auctions

    var auctions: [AuctionView] { ledger.auctionViews() }

    var auctionsJSON: JSONValue {
        .object([
            JSONMember("seq", ledger.lastSeq.json), JSONMember("time", ledger.lastTimeMs.json),
            JSONMember("running", .array(auctions.map { a in
                .object([
                    JSONMember("auction", a.id.json), JSONMember("liquidation", a.liquidation.json),
                    JSONMember("account", a.account.json), JSONMember("market", a.market.json),
                    JSONMember("remaining", a.remaining.json), JSONMember("startPrice", a.startPrice.json),
                    JSONMember("startTime", a.startTimeMs.json), JSONMember("curve", .string(a.curve.rawValue)),
                    JSONMember("direction", .string(a.direction == .falling ? "falling" : "rising")),
                    JSONMember("price", a.price.json), JSONMember("bankruptcyPrice", a.bankruptcyPrice?.json ?? .null),
                    JSONMember("nextStepInMs", a.nextStepInMs.map { .number(String($0)) } ?? .null),
                    JSONMember("tailInMs", .number(String(a.tailInMs))),
                ])
            })),
            JSONMember("activity", .array(history.auctionActivity.suffix(50).reversed().map(Self.json))),
        ])
    }

    // MARK: ADL queue

    static let adlShown = 20

    func adl(market: MarketID, long: Bool) -> (entries: [ADLQueueEntry], holders: Int)? {
        ledger.adlQueue(market: market, long: long, limit: Self.adlShown)
    }

    func adlJSON(market: MarketID) -> JSONValue? {
        guard let longs = adl(market: market, long: true), let shorts = adl(market: market, long: false) else { return nil }
        func side(_ queue: (entries: [ADLQueueEntry], holders: Int)) -> JSONValue {
            .object([
                JSONMember("holders", .number(String(queue.holders))),
                JSONMember("top", .array(queue.entries.map { e in
                    .object([JSONMember("rank", .number(String(e.rank))), JSONMember("account", e.account.json),
                             JSONMember("qty", e.qty.json), JSONMember("score", e.score.json),
                             JSONMember("lights", .number(String(e.lights)))])
                })),
            ])
        }
        return .object([JSONMember("seq", ledger.lastSeq.json), JSONMember("market", market.json),
                        JSONMember("longs", side(longs)), JSONMember("shorts", side(shorts)),
                        JSONMember("recent", .array(history.adl.suffix(20).reversed().map(Self.json)))])
    }

    // MARK: Account

    func accountSeqs(_ id: AccountID) -> [Seq] { history.accountSeqs[id] ?? [] }
}
