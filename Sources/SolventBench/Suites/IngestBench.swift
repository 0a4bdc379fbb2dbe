import Foundation
import NIOCore
import NIOPosix
import SolventCore
import SolventProtocol
import SolventStore

/// `solvent bench ingest`: events acknowledged durably through the socket server (SPEC §10):
/// one pipelined NDJSON client, one binary-frame client, and 64 clients with one request in
/// flight each. Each figure starts the real `solventd` (the executable next to this one) on a
/// temporary directory and drives it from this process, so client and daemon share the
/// machine's cores; the daemon's CPU time per event is printed too, a figure that other load on
/// the machine disturbs less than the rate. Each figure
/// has the raw LMDB baseline beside it: the same records appended through CLMDB with
/// `MDB_APPEND` in transactions of the size the server's group commits averaged — except for
/// the 64 clients, whose reference is 64 records per transaction: with one request in flight
/// each, no design that acknowledges after the commit can put more in one, so that rate is the
/// disk's bound on the figure.
public struct IngestBench {
    /// Which figures to measure (`--only`).
    public struct Figures: OptionSet, Sendable {
        public let rawValue: Int
        public static let ndjson = Figures(rawValue: 1)
        public static let binary = Figures(rawValue: 2)
        public static let clients64 = Figures(rawValue: 4)
        public static let binaryBatch = Figures(rawValue: 8)
        public static let ndjsonBatch = Figures(rawValue: 16)
        public static let all: Figures = [.binaryBatch, .ndjsonBatch, .ndjson, .binary, .clients64]
        static let names: [(String, Figures)] = [("ndjson", .ndjson), ("binary", .binary), ("clients64", .clients64),
                                                 ("binary.batch", .binaryBatch), ("ndjson.batch", .ndjsonBatch)]

        public init(rawValue: Int) { self.rawValue = rawValue }

        /// From a comma-separated list of names (`--only ndjson,binary`); nil if one is unknown.
        public init?(names list: String) {
            var figures: Figures = []
            for name in list.split(separator: ",") {
                guard let figure = Self.names.first(where: { $0.0 == name })?.1 else { return nil }
                figures.insert(figure)
            }
            guard !figures.isEmpty else { return nil }
            self = figures
        }
    }

    let scale: Double
    /// The `solventd` executable each figure starts afresh.
    let daemonPath: String
    var figures: Figures = .all
    /// The daemon's `commitDelayUs`; nil leaves its default.
    var commitDelayUs: UInt64?

    static let accounts = 4_000
    var pipelinedEvents: Int { max(Int(300_000 * scale), 2_000) }
    var clientEvents: Int { max(Int(2_000 * scale), 20) }
    static let clients = 64
    /// The server's per-connection bound on requests in flight: a pipelined client keeps it full.
    static let window = 1024

    public init(scale: Double, daemonPath: String, figures: Figures = .all, commitDelayUs: UInt64? = nil) {
        self.scale = scale
        self.daemonPath = daemonPath
        self.figures = figures
        self.commitDelayUs = commitDelayUs
    }

    /// Events per batch append in the batch figures (issue 24's targets are for batches of 1,000).
    static let batchEvents = 1_000
    /// Batches in flight on the batch figures' one connection: enough to keep a group staging
    /// while another commits.
    static let batchWindow = 8

    public func run(_ report: inout BenchReport) async throws {
        let setup = Self.setupEvents()
        let load = Self.loadEvents(count: pipelinedEvents + Self.clients * clientEvents)
        let batches = (pipelinedEvents + Self.batchEvents - 1) / Self.batchEvents
        let events = Array(load.prefix(pipelinedEvents))
        // Each figure's requests are encoded before its timer starts, as for the 64 clients: the
        // figure is the daemon taking them in, not this process writing them.
        if figures.contains(.binaryBatch) {
            try await pipelined(Self.frameBatchRequests(events, prefix: "bb"), keys: Self.keys(batches, prefix: "bb"), framing: .binary,
                                window: Self.batchWindow, name: "ingest.binary.batch", target: "target >= 0.6x raw, <= 1.2 us CPU per event",
                                setup: setup, load: load, &report)
        }
        if figures.contains(.ndjsonBatch) {
            try await pipelined(Self.lineBatchRequests(events, prefix: "nb"), keys: Self.keys(batches, prefix: "nb"), framing: .lines,
                                window: Self.batchWindow, name: "ingest.ndjson.batch", target: "target >= 0.45x raw",
                                setup: setup, load: load, &report)
        }
        if figures.contains(.ndjson) {
            try await pipelined(Self.lineRequests(events, prefix: "n"), keys: Self.keys(pipelinedEvents, prefix: "n"), framing: .lines,
                                window: Self.window, name: "ingest.ndjson", target: "target >= 0.4x raw", setup: setup, load: load, &report)
        }
        if figures.contains(.binary) {
            try await pipelined(Self.frameRequests(events, prefix: "b"), keys: Self.keys(pipelinedEvents, prefix: "b"), framing: .binary,
                                window: Self.window, name: "ingest.binary", target: "target 1000000", setup: setup, load: load, &report)
        }
        if figures.contains(.clients64) { try await runClients(setup: setup, load: load, &report) }
    }

    /// One connection keeping `window` of `requests` in flight.
    private func pipelined(_ requests: LoadClient.Requests, keys: [String], framing: LoadClient.Framing, window: Int, name: String,
                           target: String, setup: [Event], load: [Event], _ report: inout BenchReport) async throws {
        let preamble = framing == .binary ? BinaryProtocol.magic : []
        let measured = try await measure(setup: setup, framing: framing, keys: [keys]) { socket, group in
            try await LoadClient.run(socketPath: socket, group: group, preamble: preamble, requests: requests, framing: framing,
                                     window: window, keepReplies: true)
        }
        try add(measured, name: name, load: load, target: target, &report)
    }

    /// 64 connections, each sending its next request when the last one's reply is in.
    private func runClients(setup: [Event], load: [Event], _ report: inout BenchReport) async throws {
        // Encoded before the timer starts: the figure is the daemon's, not this process writing
        // JSON (which shares the two cores with it).
        let perClient = (0..<Self.clients).map { client in
            PollClients.Requests(Self.lineRequests(Array(load.dropFirst(pipelinedEvents + client * clientEvents).prefix(clientEvents)),
                                                   prefix: "c\(client)"))
        }
        let keys = (0..<Self.clients).map { Self.keys(clientEvents, prefix: "c\($0)") }
        let many = try await measure(setup: setup, framing: .lines, keys: keys) { socket, _ in
            try await withCheckedThrowingContinuation { continuation in
                // Its own thread: the clients block in poll(2) for the whole figure.
                Thread { continuation.resume(with: Result { try PollClients.run(socketPath: socket, requests: perClient, keepReplies: true) }) }.start()
            }
        }
        try add(many, name: "ingest.clients64", load: load, baselineBatch: Self.clients, target: "target >= 0.35x raw", &report)
        let latencies = many.result.latenciesNs.sorted()
        let p99 = latencies.isEmpty ? 0 : Double(latencies[min(latencies.count - 1, latencies.count * 99 / 100)]) / 1000
        let p50 = latencies.isEmpty ? 0 : Double(latencies[latencies.count / 2]) / 1000
        report.add(BenchFigure(bench: "ingest.clients64.p99", value: p99, unit: "us_p99",
                               note: "ack latency, p50 \(Int(p50)) us; target < 2000 us"))
    }

    struct Measured {
        var result: LoadClient.Result
        var seconds: Double
        var counts: (batches: Int, inputs: Int)
        /// Seconds the daemon's group commits took (staging, transaction, fsync).
        var commitSeconds: Double
        /// CPU seconds the daemon used while timed (all its threads).
        var daemonCPU: CPUSeconds
        /// CPU seconds this process (the load client) used while timed: it shares the cores.
        var clientCPUSeconds: Double
        /// Events acknowledged (replies `ok:true`, binary `appended`; a batch's `ok` results),
        /// parsed after the timed run: the figure's events.
        var acked: Int
    }

    static func keys(_ count: Int, prefix: String) -> [String] { (0..<count).map { "\(prefix)-\($0)" } }

    /// A fresh `solventd` with the accounts funded (not timed), then `body` timed. Afterwards,
    /// untimed: every reply is parsed and only `ok:true` counts (`IngestAcks`); the daemon's own
    /// counters must agree; it must stop cleanly on SIGTERM; and its log, opened read-only, must
    /// hold every acknowledged key exactly once. Any failure fails the bench.
    /// `keys` are the requests' keys per connection, in order.
    private func measure(setup: [Event], framing: LoadClient.Framing, keys: [[String]],
                         _ body: @escaping @Sendable (String, any EventLoopGroup) async throws -> LoadClient.Result) async throws -> Measured {
        let daemon = try await BenchDaemon(executable: daemonPath, config: commitDelayUs.map { "{\"commitDelayUs\": \($0)}" })
        do {
            let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
            let requests = Self.lineRequests(setup, prefix: "setup")
            let setupResult = try await LoadClient.run(socketPath: daemon.socketPath, group: group, preamble: [], requests: requests,
                                                       framing: .lines, window: Self.window, keepReplies: true)
            let setupAcked = try IngestAcks.acknowledged(setupResult.replyBytes.first ?? [], framing: .lines,
                                                         keys: Self.keys(setup.count, prefix: "setup"))
            let before = try daemon.counters()
            let cpuBefore = daemon.cpuSeconds()
            let clientCPUBefore = Self.ownCPUSeconds()
            let start = ContinuousClock.now
            let result = try await body(daemon.socketPath, group)
            let elapsed = ContinuousClock.now - start
            let cpu = daemon.cpuSeconds() - cpuBefore
            let clientCPU = Self.ownCPUSeconds() - clientCPUBefore
            let after = try daemon.counters()
            try await daemon.stop(keepDirectory: true)
            defer { daemon.removeDirectory() }
            guard result.replyBytes.count == keys.count else {
                throw BenchFailure(message: "ingest check: \(result.replyBytes.count) connections' replies for \(keys.count) connections")
            }
            var acked = IngestAcks.Acked()
            for (bytes, connectionKeys) in zip(result.replyBytes, keys) {
                let connection = try IngestAcks.acknowledgedEvents(bytes, framing: framing, keys: connectionKeys)
                acked.keys += connection.keys
                acked.events += connection.events
            }
            let counts = (batches: after.batches - before.batches, inputs: after.inputs - before.inputs)
            guard counts.inputs == acked.events else {
                throw BenchFailure(message: "ingest check FAILED: \(acked.events) events acknowledged but the daemon counted \(counts.inputs) appended")
            }
            try IngestAcks.checkLog(directory: daemon.dataDirectory, acked: setupAcked + acked.keys, events: setupAcked.count + acked.events)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Measured(result: result, seconds: seconds, counts: counts, commitSeconds: after.commitSeconds - before.commitSeconds,
                            daemonCPU: cpu, clientCPUSeconds: clientCPU, acked: acked.events)
        } catch {
            await daemon.kill()
            throw error
        }
    }

    /// The figure beside raw LMDB appending as many records in transactions of `baselineBatch`
    /// (nil: the size the daemon's group commits averaged), with the raw commit time (its fsync).
    private func add(_ measured: Measured, name: String, load: [Event], baselineBatch: Int? = nil, target: String,
                     _ report: inout BenchReport) throws {
        let events = measured.acked
        let average = max(1, measured.counts.inputs / max(1, measured.counts.batches))
        let batch = baselineBatch ?? average
        let records = Self.encoded(Array(load.prefix(events)))
        let raw = try withTemporaryDirectory { try RawLMDB.appendRate(records, batch: batch, directory: $0) }
        let commitMicros = Double(batch) / max(raw, 1e-9) * 1e6
        func perEventMicros(_ seconds: Double) -> Double { seconds * 1e6 / Double(max(1, events)) }
        let cpuMicros = perEventMicros(measured.daemonCPU.total)
        let (userMicros, systemMicros) = (perEventMicros(measured.daemonCPU.user), perEventMicros(measured.daemonCPU.system))
        let clientMicros = perEventMicros(measured.clientCPUSeconds)
        let delay = commitDelayUs.map { ", commitDelayUs \($0)" } ?? ""
        let daemonCommitMicros = measured.commitSeconds * 1e6 / Double(max(1, measured.counts.batches))
        report.add(BenchFigure(
            bench: name, value: Double(events) / measured.seconds, unit: "events/s", baseline: raw, cpuPerEventUs: cpuMicros,
            note: "\(events) events acked ok:true (every reply parsed after the run; every acked key found exactly once in the log, opened read-only after the daemon stopped), \(measured.counts.batches) group commits (avg \(average), \(Int(daemonCommitMicros)) us each)\(delay); "
                + "solventd used \(String(format: "%.2f", cpuMicros)) us CPU per event (user \(String(format: "%.2f", userMicros)), system \(String(format: "%.2f", systemMicros)); \(Int(Double(events) / max(measured.daemonCPU.total, 1e-9)))/s per CPU second), "
                + "the client \(String(format: "%.2f", clientMicros)) us; "
                + "baseline raw LMDB, \(batch) per transaction, \(Int(commitMicros)) us per commit; \(target)"))
    }

    /// User + system CPU seconds of this whole process (every thread).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    // MARK: Events

    /// The market, its first price and every account's deposit.
    static func setupEvents() -> [Event] {
        Array(MixedHistory(accounts: accounts, total: accounts + 2).map(\.1))
    }

    /// The measured mix after the setup: trades between random accounts (90%), oracle prices on
    /// a random walk (9%), deposits (1%), a rare funding.
    static func loadEvents(count: Int) -> [Event] {
        Array(MixedHistory(accounts: accounts, total: accounts + 2 + count).dropFirst(accounts + 2).map(\.1))
    }

    static func eventJSON(_ event: Event) -> JSONValue {
        guard case .object(let members) = RecordJSON.json(Record(seq: 1, time: 0, event: event)) else {
            preconditionFailure("a record is a JSON object")
        }
        // Drop the envelope but the kind, and absent optionals; the server stamps the time.
        return .object(members.filter { $0.key == "kind" || !["seq", "time", "cause"].contains($0.key) && $0.value != .null })
    }

    /// `count` requests written one after another into one buffer, with where each ends.
    static func requests(_ count: Int, _ write: (Int, inout ByteBuffer) -> Void) -> LoadClient.Requests {
        var bytes = ByteBuffer()
        var ends: [Int] = []
        for index in 0..<count {
            write(index, &bytes)
            ends.append(bytes.writerIndex)
        }
        return LoadClient.Requests(bytes: bytes, ends: ends)
    }

    static func lineRequests(_ events: [Event], prefix: String) -> LoadClient.Requests {
        requests(events.count) { index, bytes in
            bytes.writeString(JSONWriter.string(.object([
                JSONMember("op", .string("append")),
                JSONMember("key", .string("\(prefix)-\(index)")),
                JSONMember("event", eventJSON(events[index])),
            ])))
            bytes.writeInteger(UInt8(ascii: "\n"))
        }
    }

    /// Batch appends of `batchEvents` events each, keys PREFIX-0, PREFIX-1, ….
    static func lineBatchRequests(_ events: [Event], prefix: String) -> LoadClient.Requests {
        requests((events.count + batchEvents - 1) / batchEvents) { index, bytes in
            let batch = events[index * batchEvents..<min((index + 1) * batchEvents, events.count)]
            bytes.writeString(JSONWriter.string(.object([
                JSONMember("op", .string("append")),
                JSONMember("key", .string("\(prefix)-\(index)")),
                JSONMember("events", .array(batch.map(eventJSON))),
            ])))
            bytes.writeInteger(UInt8(ascii: "\n"))
        }
    }

    static func frameBatchRequests(_ events: [Event], prefix: String) -> LoadClient.Requests {
        requests((events.count + batchEvents - 1) / batchEvents) { index, bytes in
            let batch = events[index * batchEvents..<min((index + 1) * batchEvents, events.count)]
            BinaryProtocol.batchFrame(key: "\(prefix)-\(index)", items: batch.map { (time: TimeMs?.none, event: $0) }, into: &bytes)
        }
    }

    static func frameRequests(_ events: [Event], prefix: String) -> LoadClient.Requests {
        requests(events.count) { index, bytes in
            BinaryProtocol.appendFrame(key: "\(prefix)-\(index)", time: nil, event: events[index], into: &bytes)
        }
    }

    /// The records as the log stores them, for the raw LMDB baseline of the same sizes.
    static func encoded(_ events: [Event]) -> [AppendRecord] {
        events.enumerated().map { index, event in
            let record = Record(seq: Seq(UInt64(index + 1)), time: 1_700_000_000_000, event: event)
            return AppendRecord(seq: record.seq, time: record.time, bytes: RecordCodec.encode(record), requestKey: nil)
        }
    }
}
