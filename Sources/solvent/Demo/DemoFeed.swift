import Foundation
import SolventCore
import SolventProtocol
import SolventSim

/// The demo's own connection: the set-up inputs, then the price path played at `speed` × real
/// time as `oracle.price` inputs every `stepMs` of market time, with a `clock` half-way between
/// two prices while anything is waiting on time (a running auction, a margin call, a deferred
/// liquidation), and the population's opening trades during the opening window.
struct DemoFeed {
    let plan: DemoPlan
    let speed: Double
    let tally: DemoTally
    private var requests = DemoRequests(prefix: "demo")
    /// Refused inputs of the playback (set-up refusals stop the demo).
    private(set) var refused = 0
    private(set) var firstRefusal: String?

    /// Wall time between two batches at least: leaves the bots room to bid between the demo's
    /// commits (their bids carry the log time they priced at and are refused `time_regression`
    /// once a later input is logged).
    static let batchIntervalMs = 20
    /// Inputs per round trip at most (well under the daemon's 1,024 in flight).
    static let batchInputs = 512

    init(plan: DemoPlan, speed: Double, tally: DemoTally) {
        self.plan = plan
        self.speed = speed
        self.tally = tally
    }

    /// Sends the set-up inputs; returns the last seq. Any refusal is an error naming the input.
    mutating func setUp(_ client: LineClient) async throws -> Seq {
        let events = plan.setUpEvents()
        var last: Seq = 0
        for start in stride(from: 0, to: events.count, by: Self.batchInputs) {
            let part = events[start..<min(start + Self.batchInputs, events.count)]
            let lines = part.map { requests.append($0, at: plan.path.startMs) }
            let replies = try await Self.exchange(client, lines)
            for (event, reply) in zip(part, replies) {
                guard reply["ok"] == .bool(true), let seq = DemoTally.seq(reply["seq"]) else {
                    throw CommandFailure(message: "set-up input \(event.kind.name) refused: \(JSONWriter.string(reply))")
                }
                last = seq
            }
        }
        return last
    }

    /// Plays the path; `update` is called after every batch with where the playback is.
    mutating func play(_ client: LineClient, update: (DemoMoment) async throws -> Void) async throws -> DemoMoment {
        var cursor = plan.path.cursor()
        let order = plan.openingOrder
        var nextOpening = 0
        var moment = DemoMoment(marketMs: plan.path.startMs, price: plan.path.firstPrice, lowest: plan.path.firstPrice,
                                stepsDone: 0, steps: plan.stepCount, wallSeconds: 0)
        let clock = ContinuousClock()
        let started = clock.now
        while moment.stepsDone < moment.steps {
            let wall = clock.now - started
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
            let dueMs = plan.path.startMs + Int64(wallSeconds * speed * 1000)
            let needsClock = await tally.needsClock
            var batch: [String] = []
            while moment.stepsDone < moment.steps && plan.marketTime(step: moment.stepsDone) <= dueMs
                    && batch.count < Self.batchInputs {
                let t = plan.marketTime(step: moment.stepsDone)
                moment.price = cursor.price(at: t)
                moment.lowest = min(moment.lowest, moment.price)
                moment.marketMs = t
                batch.append(requests.append(plan.oracle(price: moment.price, at: t), at: t))
                while nextOpening < order.count && plan.population.pairs[order[nextOpening]].openOffsetMs <= t - plan.path.startMs {
                    batch.append(requests.append(plan.opening(pair: order[nextOpening], price: moment.price), at: t))
                    nextOpening += 1
                }
                if needsClock { batch.append(requests.append(.clock(Clock()), at: t + plan.stepMs / 2)) }
                moment.stepsDone += 1
            }
            if !batch.isEmpty {
                batch.append(DemoRequests.account(.insurance))
                let replies = try await Self.exchange(client, batch)
                note(replies.dropLast())
                if let equity = DemoTally.money(replies.last?["equity"]) { await tally.setInsurance(equity) }
            }
            moment.wallSeconds = wallSeconds
            try await update(moment)
            try await Task.sleep(for: .milliseconds(Self.batchIntervalMs))
        }
        return moment
    }

    private mutating func note(_ replies: ArraySlice<JSONValue>) {
        for reply in replies where reply["ok"] != .bool(true) {
            refused += 1
            if firstRefusal == nil { firstRefusal = JSONWriter.string(reply) }
        }
    }

    /// One pipelined round trip; the replies parsed. A short answer means the daemon went away.
    static func exchange(_ client: LineClient, _ lines: [String]) async throws -> [JSONValue] {
        let replies = try await client.exchange(lines)
        guard replies.count == lines.count else {
            throw CommandFailure(message: "solventd closed the connection after \(replies.count) of \(lines.count) replies")
        }
        return try replies.map { try JSONParser.parse($0) }
    }
}
