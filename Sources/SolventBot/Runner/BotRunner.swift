import Logging
import Synchronization
import SolventBotPolicy
import SolventCore
import SolventProtocol

/// Where and how `solvent bot` connects (docs/BOTS.md).
public struct BotOptions: Sendable {
    public var socketPath: String
    public var config: BotConfig
    /// The first seq to read on the first connection; later connections resume after the last
    /// seq seen.
    public var fromSeq: Seq
    /// Reconnect backoff: doubles from `initial` up to `max` while the daemon is away.
    public var retryInitialMs: Int64
    public var retryMaxMs: Int64

    public init(socketPath: String, config: BotConfig, fromSeq: Seq = 1, retryInitialMs: Int64 = 100, retryMaxMs: Int64 = 5_000) {
        self.socketPath = socketPath
        self.config = config
        self.fromSeq = fromSeq
        self.retryInitialMs = retryInitialMs
        self.retryMaxMs = retryMaxMs
    }
}

/// The I/O loop of `solvent bot`: connect, subscribe, follow the records into a `LogView`, ask
/// `BidPolicy` after each live record, append its bids; on a lost connection retry with backoff
/// and resume after the last seq seen. Runs until its task is cancelled.
public final class BotRunner {
    let options: BotOptions
    let logger: Logger
    var desk: Bidder

    public init(options: BotOptions, logger: Logger) {
        self.options = options
        self.logger = logger
        desk = Bidder(policy: BidPolicy(config: options.config), logger: logger)
    }

    /// What the bot has read so far (for tests and the final log line).
    public var view: LogView { desk.view }

    public func run() async {
        var backoffMs = options.retryInitialMs
        logger.info("bot start account=\(options.config.account) discount=\(options.config.discount) maxNotional=\(options.config.maxNotional.map { "\($0)" } ?? "none") reactionMs=\(options.config.reactionMs) socket=\(options.socketPath)")
        if options.fromSeq > 1 {
            logger.warning("reading from seq \(options.fromSeq): markets, parameters and prices set before it are unknown to the bot (unknown_market, no_mark)")
        }
        while !Task.isCancelled {
            do {
                try await session { backoffMs = self.options.retryInitialMs }
                logger.warning("connection closed by the daemon; reconnecting in \(backoffMs) ms")
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                logger.warning("connection lost (\(error)); reconnecting in \(backoffMs) ms from seq \(desk.view.lastSeq + 1)")
            }
            do { try await Task.sleep(for: .milliseconds(backoffMs)) } catch { break }
            backoffMs = min(backoffMs * 2, options.retryMaxMs)
        }
        logger.info("bot stop lastSeq=\(desk.view.lastSeq)")
    }

    /// One connected stretch: a request connection (status, account, append) and a subscription.
    private func session(connected: () -> Void) async throws {
        try await LineClient.withConnection(socketPath: options.socketPath) { requests in
            let channel = RequestChannel(client: requests)
            let (head, rules) = try await channel.head()
            desk.adopt(rules: rules)
            try await LineClient.withConnection(socketPath: options.socketPath) { stream in
                let from = desk.view.lastSeq > 0 ? desk.view.lastSeq + 1 : options.fromSeq
                try await stream.send(raw: Array((BotRequests.subscribe(from: from) + "\n").utf8))
                connected()
                logger.info("subscribed from=\(from) head=\(head)")
                // Records up to the head only inform; from it on the bot acts. If it has read
                // everything already, it acts at once on what it knows.
                if desk.view.lastSeq >= head { try await desk.act(channel) }
                try await follow(stream, head: head, channel: channel)
            }
        }
    }

    /// Reads the subscription on a task of its own into an inbox while this task decides: each
    /// decision takes every record that arrived meanwhile, so the bot acts at the newest log time
    /// it knows instead of working through stale records one round trip each (a bid priced at a
    /// stale time is refused `time_regression` whenever the log has moved on).
    private func follow(_ stream: LineClient, head: Seq, channel: RequestChannel) async throws {
        let inbox = Inbox()
        // The subscription's client is used by the reader task alone from here on.
        let reader = Unchecked(stream)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while let line = try await reader.value.receive() { inbox.push(try Self.record(line)) }
                    inbox.finish(nil)
                } catch {
                    inbox.finish(error)
                }
            }
            for await _ in inbox.wakeups {
                var live = false
                for record in inbox.take() where desk.observe(record) {
                    live = live || record.seq >= head
                }
                if live { try await desk.act(channel) }
            }
            group.cancelAll()
            if Task.isCancelled { throw CancellationError() }
            if let error = inbox.failure { throw error }
        }
    }

    static func record(_ line: String) throws -> Record {
        let json: JSONValue
        do { json = try JSONParser.parse(line) } catch { throw BotError("unreadable line from the daemon: \(error)") }
        if let refusal = BotRequests.refusal(json) { throw BotError("subscription ended: \(refusal.code): \(refusal.message)") }
        do { return try RecordJSON.record(json) } catch { throw BotError("unreadable record: \(error)") }
    }
}

/// The connection for queries and appends: one request in flight at a time.
struct RequestChannel {
    let client: LineClient

    func send(_ request: String) async throws -> JSONValue {
        guard let line = try await client.exchange([request]).first else { throw BotError("the daemon closed the connection") }
        do { return try JSONParser.parse(line) } catch { throw BotError("unreadable reply: \(error)") }
    }

    /// The log's head seq and engine rules. A daemon older than rules 3 does not say its rules;
    /// rules 1 and 2 share their defaults, which are all the bot takes from them.
    func head() async throws -> (seq: Seq, rules: RulesVersion) {
        let reply = try await send(BotRequests.status)
        guard case .number(let text)? = reply["seq"], let seq = Seq(text) else { throw BotError("status reply without seq") }
        guard case .number(let number)? = reply["rules"] else { return (seq, .v2) }
        guard let raw = UInt32(number), let rules = RulesVersion(rawValue: raw) else {
            throw BotError("the daemon's log is written under engine rules \(number), which this bot does not know")
        }
        return (seq, rules)
    }
}

/// Records read from the subscription and not yet taken by the decision loop.
final class Inbox: Sendable {
    private let state = Mutex<(records: [Record], failure: (any Error)?)>(([], nil))
    let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func push(_ record: Record) {
        state.withLock { $0.records.append(record) }
        wake.yield()
    }

    /// Ends the wakeups once what was pushed has been taken; `error` is why, nil for a clean close.
    func finish(_ error: (any Error)?) {
        state.withLock { $0.failure = error }
        wake.finish()
    }

    func take() -> [Record] {
        state.withLock { state in
            defer { state.records.removeAll(keepingCapacity: true) }
            return state.records
        }
    }

    var failure: (any Error)? { state.withLock { $0.failure } }
}

/// Hands a value to one other task that uses it alone (the subscription's client to its reader).
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
