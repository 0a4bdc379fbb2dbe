import Foundation
import Logging
import SolventBot
import SolventBotPolicy
import SolventCore
import SolventProtocol
import SolventServer
import Synchronization
import Testing

/// The scripted market of these tests: BTC-PERP, lot 0.001, one tier with MM 5% and IM 10% (so
/// that an account is liquidated well above its bankruptcy price and the curve can reach a 2%
/// discount before the backstop); no partial liquidation (`liqStep` 1); the default stairstep
/// curve (× 0.99 every 10 s from 2% beyond the mark).
enum Script {
    static let t0: TimeMs = 1_700_000_000_000

    static let setup: [String] = [
        #"{"kind":"market.listed","time":1700000000000,"market":"BTC-PERP","lotSize":"0.001","tickSize":"0.1","tiers":[{"notionalCap":"1000000","mmr":"0.05","imr":"0.1","maintAmount":"0"}]}"#,
        // The curve the tests expect, named in full: the defaults of rules 3 (the daemon's) differ.
        #"{"kind":"params.set","time":1700000000000,"liqStep":"1","minFee":"0.001","maxFee":"0.01","callBuffer":"0.2","callGrace":300000,"auctionBuffer":"0.02","curve":"stairstep","step":10000,"cut":"0.99","tail":600000}"#,
        #"{"kind":"oracle.price","time":1700000001000,"market":"BTC-PERP","price":"10000","publishTime":1700000001000}"#,
        #"{"kind":"deposit","time":1700000002000,"account":"alice","amount":"1500","ref":"dep-alice"}"#,
        #"{"kind":"deposit","time":1700000002000,"account":"bob","amount":"100000","ref":"dep-bob"}"#,
        #"{"kind":"insurance.deposit","time":1700000002000,"amount":"10000","ref":"fund"}"#,
        #"{"kind":"trade","time":1700000003000,"market":"BTC-PERP","buyer":"alice","seller":"bob","qty":"1","price":"10000","ref":"t-1"}"#,
    ]

    static func deposit(_ account: String, _ amount: String, at time: TimeMs) -> String {
        #"{"kind":"deposit","time":\#(time),"account":"\#(account)","amount":"\#(amount)","ref":"dep-\#(account)-\#(time)"}"#
    }

    static func trade(buyer: String, seller: String, qty: String, price: String, at time: TimeMs) -> String {
        #"{"kind":"trade","time":\#(time),"market":"BTC-PERP","buyer":"\#(buyer)","seller":"\#(seller)","qty":"\#(qty)","price":"\#(price)","ref":"t-\#(buyer)-\#(time)"}"#
    }

    static func price(_ price: String, at time: TimeMs) -> String {
        #"{"kind":"oracle.price","time":\#(time),"market":"BTC-PERP","price":"\#(price)","publishTime":\#(time)}"#
    }

    static func clock(at time: TimeMs) -> String { #"{"kind":"clock","time":\#(time)}"# }
}

/// A short temporary directory (Unix socket paths are limited to ~107 bytes), removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "/tmp/solvent-bot-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The daemon's server on `directory`: socket `directory`/solventd.sock, data `directory`/data.
/// Its receipt clock stands at the script's start, so every time in the log is the script's.
func startServer(_ directory: String) async throws -> SolventServer {
    try await SolventServer.start(socketPath: directory + "/solventd.sock", dataDirectory: directory + "/data",
                                  nowMs: { Script.t0 })
}

/// Appends `events` (one JSON object each) with keys `prefix-N`; fails the test on a refusal.
@discardableResult
func append(_ socket: String, _ events: [String], prefix: String) async throws -> [JSONValue] {
    let requests = events.enumerated().map { #"{"op":"append","key":"\#(prefix)-\#($0.offset)","event":\#($0.element)}"# }
    let replies = try await LineClient.withConnection(socketPath: socket) { try await $0.exchange(requests) }
        .map { try JSONParser.parse($0) }
    for (event, reply) in zip(events, replies) where reply["ok"] != .bool(true) {
        Issue.record("refused \(event): \(JSONWriter.string(reply))")
    }
    return replies
}

/// Every record now in the log, read back over a subscription from seq 1.
func records(_ socket: String) async throws -> [Record] {
    let status = try await LineClient.withConnection(socketPath: socket) { try await $0.exchange([#"{"op":"status"}"#]) }
    guard case .number(let text)? = try JSONParser.parse(status[0])["seq"], let head = Seq(text), head > 0 else { return [] }
    return try await LineClient.withConnection(socketPath: socket) { client in
        try await client.send(raw: Array(#"{"op":"subscribe","from":1}"#.utf8) + [10])
        var out: [Record] = []
        while out.count < head.rawValue, let line = try await client.receive() {
            out.append(try RecordJSON.record(try JSONParser.parse(line)))
        }
        return out
    }
}

/// Waits (polling, at most `seconds`) until `condition` holds; false if it never did.
func eventually(seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A swift-log handler keeping every line, so tests can read the bot's decisions.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger() -> Logger {
        var logger = Logger(label: "bot-test") { _ in CapturingHandler(sink: self) }
        logger.logLevel = .debug
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append("\(event.level) \(event.message)")
    }
}

/// Runs a bot on `socket` in a task of its own; cancel the task to stop it.
func startBot(_ socket: String, config: BotConfig, log: CapturedLog) -> Task<Void, Never> {
    let options = BotOptions(socketPath: socket, config: config, retryInitialMs: 20, retryMaxMs: 100)
    let logger = log.logger()
    return Task {
        let runner = BotRunner(options: options, logger: logger)
        await runner.run()
    }
}

/// The first word-separated `name=value` in `line`.
func field(_ name: String, in line: String) -> String? {
    line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
}
