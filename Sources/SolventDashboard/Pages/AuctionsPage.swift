import SolventCharts
import SolventCore

/// `/auctions`: running auctions with the curve's price now, the bankruptcy price, the time to
/// the next step and to `tail`, the remainder; the newest bids and fills.
enum AuctionsPage {
    static func body(_ views: DashboardViews) -> String {
        var out = Layout.table(
            ["auction", "liquidation", "account", "market", "remaining", "start", "price now", "bankruptcy", "next step", "tail in", "curve"],
            views.auctions.map { a in
                ["\(a.id)", Layout.liquidationLink(a.liquidation), Layout.accountLink(a.account), HTML.escape(a.market.text),
                 Format.amount(a.remaining, places: 3), Format.amount(a.startPrice), "<b>\(Format.amount(a.price))</b>",
                 a.bankruptcyPrice.map { Format.amount($0) } ?? "–", a.nextStepInMs.map(Format.duration) ?? "continuous",
                 Format.duration(a.tailInMs), a.curve.rawValue]
            }, empty: "No auction is running.")
        out += "<h2>Bids and fills</h2>"
        out += OverviewPage.entries(views.history.auctionActivity, empty: "No auction activity yet.", liquidation: false)
        return out
    }
}
