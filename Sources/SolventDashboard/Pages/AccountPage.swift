import SolventCharts
import SolventCore

/// `/accounts/ID`: the account's state and positions with their liquidation and bankruptcy
/// prices, and the newest records that name it (liquidations linked to their report).
enum AccountPage {
    static func body(_ view: AccountView, records: [Record]) -> String {
        var out = "<div class=\"cards\">"
        for (name, value) in [("state", view.state.rawValue), ("equity", Format.amount(view.equity)), ("cash", Format.amount(view.cash)),
                              ("maintenance margin", Format.amount(view.mm)), ("initial margin", Format.amount(view.im)),
                              ("available", Format.amount(view.available))] {
            out += "<div class=\"card\"><b>\(value)</b>\(name)</div>"
        }
        out += "</div><h2>Positions</h2>"
        out += Layout.table(["market", "qty", "entry", "mark", "value", "uPnL", "tier", "liquidation price", "bankruptcy price"],
                            view.positions.map { p in
            [HTML.escape(p.market.text), Format.amount(p.qty, places: 3), p.entryPrice.map { Format.amount($0) } ?? "–",
             p.mark.map { Format.amount($0) } ?? "–", Format.amount(p.value), Format.amount(p.upnl), "\(p.tier)",
             p.liquidationPrice.map { Format.amount($0) } ?? "–", p.bankruptcyPrice.map { Format.amount($0) } ?? "–"]
        }, empty: "No open position.")
        out += "<h2>Records naming \(HTML.escape(view.account.text)) (newest first)</h2>"
        out += Layout.table(["seq", "log time", "kind", "record"], records.reversed().map { record in
            let seq = record.kind == .liquidationStarted ? Layout.liquidationLink(record.seq) : "\(record.seq)"
            return [seq, Format.time(record.time), record.kind.name,
                    "<code>\(HTML.escape(JSONWriter.string(RecordJSON.json(record))))</code>"]
        }, empty: "No record kept for this account.")
        return out
    }

    static func notFound(_ id: String) -> String {
        "<p class=\"empty\">No account \(HTML.escape(id)) appears in the log up to this seq.</p>"
    }
}
