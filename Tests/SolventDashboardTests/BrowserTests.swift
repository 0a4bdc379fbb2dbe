import Foundation
import Hummingbird
import NIOCore
import SolventBench
import SolventCore
import SolventProtocol
import SolventStore
import Synchronization
import Testing
@testable import SolventDashboard

/// The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed by
/// tools/ensure-chromium) loads the overview and the liquidation map of a dashboard following a
/// real `solventd`; once both pages' scripts are connected for server-sent events, a feeder sends
/// a liquidating price. The pages' DOM a few seconds later must show the liquidation, and the
/// map moved: the pages were updated live by their own script, not loaded after the fact.
///
/// How the DOM is read after the update: `--dump-dom` dumps when the page has loaded, and a page
/// holding an EventSource never lets virtual time run out, so the test serves a wrapper page on
/// the dashboard's own origin (a route added for the test only) that frames both pages and holds
/// its own load on an image the test releases after the update; the image's handler copies each
/// frame's `<main>` into the wrapper, which Chromium then dumps.
@Suite(.serialized) struct BrowserTests {
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// In CI a missing chromium is a failure, not a skip (tools/test installs it).
    @Test func chromiumIsThereInCI() {
        if Self.inCI { #expect(Self.chromium != nil, "chromium is missing; tools/ensure-chromium installs it") }
    }

    @Test(.enabled(if: chromium != nil || inCI, "needs chromium (tools/ensure-chromium)"))
    func pagesShowANewLiquidationLiveWhileADaemonIsFed() async throws {
        let chromium = try #require(Self.chromium)
        try await withTemporaryDirectory { directory in
            let live = try await LiveDaemon.start(in: directory)
            defer { live.daemon.signal(SIGKILL) }
            let dashboard = try dashboard(live.data, socket: live.socket)
            let released = Mutex(false)
            let router = dashboard.router()
            router.get("/test/wrapper") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Self.wrapper)))
            }
            router.get("/test/hold") { _, _ in
                while !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
                return Response(status: .noContent)
            }
            let (server, port) = try await serve(dashboard, router: router)
            defer { server.cancel() }
            let url = "http://127.0.0.1:\(port)"
            let mapBefore = dashboard.board.read { ledger, history, live in
                DashboardViews(ledger: ledger, history: history, live: live).map(market: MarketID(valid: "BTC-PERP"), bucketBps: 100, buckets: 25)
            }

            let browser = try Self.dumpDOM(chromium, url + "/test/wrapper", directory: directory + "/chromium")
            _ = try await wait("both pages' scripts listening for updates", timeout: .seconds(30)) {
                dashboard.board.listenerCount >= 2 ? true : nil
            }
            try await feed(live.socket, [live.lines[live.crash]], keyPrefix: "crash")
            // "Within a few seconds": events go out at most every 250 ms, each swap is one fetch.
            try await Task.sleep(for: .seconds(3))
            released.withLock { $0 = true }
            let dom = try await Self.finish(browser)
            let overviewDOM = try Self.section("copy-overview", of: dom)
            let mapDOM = try Self.section("copy-map", of: dom)

            let liquidations = dashboard.board.read { _, history, _ in history.liquidationCount }
            #expect(liquidations > 0, "the price liquidates")
            #expect(overviewDOM.contains(#"id="liquidation-count">\#(liquidations)<"#), "overview: \(overviewDOM.suffix(3_000))")
            #expect(overviewDOM.contains("/liquidations/"), "the new liquidation is listed with its report link")
            #expect(mapDOM.contains("mark 9,030"), "the map is drawn at the new mark: \(mapDOM.suffix(3_000))")
            #expect(!mapDOM.contains("mark \(Format.amount(try #require(mapBefore).mark))"), "the map before the price is gone")
        }
    }

    /// The wrapper: both pages framed, and their `<main>` copied out once `/test/hold` answers.
    static let wrapper = """
        <!doctype html><html><body>
        <iframe id="overview" src="/" width="1200" height="800"></iframe>
        <iframe id="map" src="/map?market=BTC-PERP" width="1200" height="800"></iframe>
        <script>function copy(){['overview','map'].forEach(function(id){var main=document.getElementById(id).contentDocument.querySelector('main');
        var s=document.createElement('section');s.id='copy-'+id;s.innerHTML=main?main.outerHTML:'no main';document.body.appendChild(s)})}</script>
        <img src="/test/hold" onload="copy()" onerror="copy()">
        </body></html>
        """

    /// The copied section `id` of the dumped wrapper.
    static func section(_ id: String, of dom: String) throws -> String {
        guard let start = dom.range(of: #"<section id="\#(id)">"#) else { throw TestSetupError("no \(id) in the dump: \(dom.prefix(2_000))") }
        let rest = dom[start.upperBound...]
        return String(rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)])
    }

    /// Starts Chromium dumping `url`'s DOM once it has loaded (`--timeout` only bounds the wait).
    static func dumpDOM(_ chromium: String, _ url: String, directory: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(directory)",
                             "--timeout=60000", "--dump-dom", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Chromium's output once it exits, read on a thread of its own: blocking a thread of the
    /// test run's small cooperative pool for seconds would stall every other test's waits.
    static func finish(_ browser: (Process, Pipe)) async throws -> String {
        let handle = HandedOver(browser)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = handle.value.1.fileHandleForReading.readDataToEndOfFile()
                handle.value.0.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }
}
