import SolventCharts
import SolventCore

/// The frame every page shares: navigation, the follower's status, the page's `<main>` and the
/// live-update script. Self-contained: no external script, style, font or image.
enum Layout {
    static func page(title: String, board status: Status, active: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · Solvent</title>
        <noscript><meta http-equiv="refresh" content="5"></noscript>
        <style>\(style)\(SVGChart.style)</style>
        </head><body>
        <header><b>Solvent</b> risk \(nav(active))
        <form action="/accounts" method="get"><input name="id" placeholder="account id" aria-label="account id"><button>Find</button></form>
        </header>
        <main data-seq="\(status.seq)">
        <p class="status" id="status">\(status.html)</p>
        <h1>\(HTML.escape(title))</h1>
        \(body)
        </main>
        <script>\(script)</script>
        </body></html>
        """
    }

    /// What the page says about the data it shows.
    struct Status {
        var seq: Seq
        var timeMs: TimeMs
        var live: Bool
        var html: String {
            let state = live ? "<span class=\"live\">● live</span>" : "<span class=\"off\">○ not following a daemon</span>"
            return "\(state) · seq <span id=\"seq\">\(seq)</span> · log time \(Format.time(timeMs))"
        }
    }

    static let pages = [("/", "Overview"), ("/map", "Liquidation map"), ("/auctions", "Auctions"), ("/adl", "ADL queue")]

    private static func nav(_ active: String) -> String {
        pages.map { path, name in
            path == active ? "<a class=\"on\" href=\"\(path)\">\(name)</a>" : "<a href=\"\(path)\">\(name)</a>"
        }.joined(separator: " ")
    }

    static func table(_ headers: [String], _ rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(HTML.escape(empty))</p>" }
        let head = headers.map { "<th>\($0)</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    static func accountLink(_ id: AccountID) -> String {
        "<a href=\"/accounts/\(HTML.escape(id.text))\">\(HTML.escape(id.text))</a>"
    }

    static func liquidationLink(_ seq: Seq) -> String { "<a href=\"/liquidations/\(seq)\">#\(seq)</a>" }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:0;color:#1c1c1c;background:#f6f7f9}
    header{background:#14213d;color:#fff;padding:10px 16px;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
    header a{color:#cfd8ea;text-decoration:none}header a.on{color:#fff;font-weight:bold;border-bottom:2px solid #fca311}
    header form{margin-left:auto}main{padding:8px 16px 24px}h1{font-size:20px;margin:6px 0 10px}h2{font-size:16px;margin:18px 0 6px}
    table{border-collapse:collapse;background:#fff;font-size:13px;margin:4px 0}th,td{padding:3px 8px;border-bottom:1px solid #e3e5e8;text-align:right;white-space:nowrap}
    td code{display:block;text-align:left;white-space:normal;font-size:12px;min-width:480px}
    th{background:#eef0f3}td:first-child,th:first-child{text-align:left}.status{font-size:12px;color:#555}
    .live{color:#1a7f37;font-weight:bold}.off{color:#9a6700}.bad{color:#c62828;font-weight:bold}.empty{color:#777;font-style:italic}
    .cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e3e5e8;padding:8px 12px;min-width:130px}
    .card b{display:block;font-size:18px}.lights{color:#c62828;letter-spacing:1px}
    """

    /// Live updates: on each server-sent `update`, fetch this page again and swap its `<main>`
    /// (one fetch at a time; updates arriving meanwhile make one more). Without it the page
    /// refreshes itself every 5 seconds (`<noscript>` above).
    static let script = """
    (function(){if(!window.EventSource||!window.fetch)return;var busy=false,again=false;
    function swap(){if(busy){again=true;return}busy=true;
    fetch(location.href,{credentials:'same-origin'}).then(function(r){return r.text()}).then(function(t){
    var d=new DOMParser().parseFromString(t,'text/html');var m=d.querySelector('main');var o=document.querySelector('main');
    if(m&&o&&m.getAttribute('data-seq')!==o.getAttribute('data-seq'))o.replaceWith(m)}).catch(function(){}).then(function(){
    busy=false;if(again){again=false;setTimeout(swap,250)}})}
    var es=new EventSource('/events');es.addEventListener('update',swap);})();
    """
}

/// Numbers and times as the pages print them.
enum Format {
    /// A log time as `yyyy-mm-ddThh:mm:ssZ` (UTC).
    static func time(_ timeMs: TimeMs) -> String { UTCDate.iso(timeMs) }

    /// A decimal with thousands separators and at most `places` decimals (display only).
    static func amount(_ text: String, places: Int = 2) -> String {
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        let whole = String(parts.first ?? "0")
        var grouped = ""
        for (i, c) in whole.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        var out = String(grouped.reversed())
        if parts.count == 2, places > 0 {
            let fraction = parts[1].prefix(places)
            if !fraction.allSatisfy({ $0 == "0" }) { out += "." + fraction }
        }
        // A small negative value cut to zero places is shown as 0, not -0.
        return negative && out.contains(where: { $0 != "0" && $0 != "," && $0 != "." }) ? "-" + out : out
    }

    static func amount(_ value: some CustomStringConvertible, places: Int = 2) -> String { amount(value.description, places: places) }

    static func double(_ value: some CustomStringConvertible) -> Double { Double(value.description) ?? 0 }

    static func duration(_ ms: Int64) -> String {
        ms >= 60_000 ? "\(ms / 60_000)m \(ms % 60_000 / 1_000)s" : "\(ms / 1_000).\(ms % 1_000 / 100)s"
    }
}
