import Foundation
import SolventBench
import NIOCore

/// The offenders of one drill phase: started before the well-behaved client is timed, kept up
/// while it runs, then checked for what the server did to them.
final class OverloadAttack: @unchecked Sendable {
    let phase: OverloadDrill.Phase
    let drill: OverloadDrill
    let socketPath: String
    let group: any EventLoopGroup
    private var held: [OffenderConnection] = []
    private var flood: Task<[String: Int], Never>?
    private let stop = StopFlag()
    private var began = ContinuousClock.now

    init(phase: OverloadDrill.Phase, drill: OverloadDrill, socketPath: String, group: any EventLoopGroup) {
        self.phase = phase
        self.drill = drill
        self.socketPath = socketPath
        self.group = group
    }

    /// An append request line of a deposit (newline included).
    static func deposit(key: String, account: String) -> String {
        #"{"op":"append","key":"\#(key)","event":{"kind":"deposit","account":"\#(account)","amount":"1","ref":"\#(key)"}}"# + "\n"
    }

    /// `count` deposit appends keyed `name-0`, `name-1`, … as a load client's requests.
    static func deposits(_ name: String, count: Int) -> LoadClient.Requests {
        var bytes = ByteBuffer()
        var ends: [Int] = []
        for index in 0..<count {
            bytes.writeString(deposit(key: "\(name)-\(index)", account: name))
            ends.append(bytes.writerIndex)
        }
        return LoadClient.Requests(bytes: bytes, ends: ends)
    }

    func begin() async throws {
        began = ContinuousClock.now
        switch phase {
        case .connections: try await openIdleConnections()
        case .nonReader: try await startNonReaders()
        case .silentSubscriber: try await startSilentSubscribers()
        case .lineFlood: startFlood()
        }
    }

    func end(into report: inout OverloadPhaseReport) async throws {
        switch phase {
        case .connections: try await probeLimit(into: &report)
        case .nonReader: await collectNonReaders(into: &report)
        case .silentSubscriber:
            // However few appends were timed, publish enough to overrun every silent subscriber.
            let burst = Self.deposits("burst", count: 8 * drill.subscriberBacklogRecords + 2_000)
            _ = try await LoadClient.run(socketPath: socketPath, group: group, preamble: [], requests: burst, framing: .lines, window: 1_024)
            await collectSubscribers(into: &report)
        case .lineFlood:
            stop.set()
            report.outcomes = await flood?.value ?? [:]
        }
        for connection in held { connection.close() }
    }

    // MARK: Many connections

    /// Opens `drill.connections` connections at once; each sends a `status` and waits for it.
    private func openIdleConnections() async throws {
        held = try await withThrowingTaskGroup(of: OffenderConnection.self) { tasks in
            for _ in 0..<drill.connections {
                tasks.addTask { [socketPath, group] in
                    let connection = try await OffenderConnection.open(socketPath: socketPath, group: group, reading: true)
                    connection.send(ByteBuffer(string: #"{"op":"status"}"# + "\n"))
                    return connection
                }
            }
            return try await tasks.reduce(into: []) { $0.append($1) }
        }
        for connection in held where !(await connection.waitForLines(1, timeout: .seconds(30))) {
            throw DrillFailure(message: "a connection of \(held.count) got no status reply")
        }
    }

    /// Every held connection must still be answered; then twice the spare room is tried, and
    /// all beyond the limit must be refused `too_many_connections`.
    private func probeLimit(into report: inout OverloadPhaseReport) async throws {
        for connection in held { connection.send(ByteBuffer(string: #"{"op":"status"}"# + "\n")) }
        for connection in held {
            let replied = await connection.waitForLines(2, timeout: .seconds(30))
            let answered = replied && connection.lastLine.contains(#""ok":true"#)
            report.outcomes[answered ? "held-answered" : "held-unanswered", default: 0] += 1
        }
        try await Task.sleep(for: .milliseconds(200))  // The timed client's close reaches the server.
        var probes: [OffenderConnection] = []
        for _ in 0..<(2 * drill.spareConnections) {
            let probe = try await OffenderConnection.open(socketPath: socketPath, group: group, reading: true)
            probe.send(ByteBuffer(string: #"{"op":"status"}"# + "\n"))
            probes.append(probe)
        }
        for probe in probes {
            _ = await probe.waitForLines(1, timeout: .seconds(10))
            let outcome = probe.lastLine.contains("too_many_connections") ? "refused-too_many_connections"
                : probe.lastLine.contains(#""ok":true"#) ? "extra-answered" : "extra-other"
            report.outcomes[outcome, default: 0] += 1
            if outcome.hasPrefix("refused") {
                let closed = await probe.waitForClose(timeout: .seconds(5))
                if !closed { report.outcomes["refused-left-open", default: 0] += 1 }
            }
        }
        for probe in probes { probe.close() }  // Only now: an answered probe closed early frees a slot.
    }

    // MARK: Clients that never read

    private func startNonReaders() async throws {
        for client in 0..<drill.nonReaders {
            let connection = try await OffenderConnection.open(socketPath: socketPath, group: group, reading: false) { chunk in
                var bytes = ByteBuffer()
                for index in 0..<64 { bytes.writeString(Self.deposit(key: "nr\(client)-\(chunk)-\(index)", account: "nr\(client)")) }
                return bytes
            }
            held.append(connection)
        }
        try await Task.sleep(for: .milliseconds(500))  // Until their sockets fill.
    }

    private func startSilentSubscribers() async throws {
        for _ in 0..<drill.silentSubscribers {
            let connection = try await OffenderConnection.open(socketPath: socketPath, group: group, reading: false)
            connection.send(ByteBuffer(string: #"{"op":"subscribe"}"# + "\n"))
            held.append(connection)
        }
        try await Task.sleep(for: .milliseconds(200))  // Until they are live.
    }

    /// A client that never reads must be closed by the server once its socket has stayed
    /// unwritable for the stall timeout. Waited for without reading (reading would make the
    /// socket writable again and let the server keep it); NIO sees the hang-up all the same.
    private func collectNonReaders(into report: inout OverloadPhaseReport) async {
        for connection in held { report.offenderBytesSent += connection.bytesSent }
        let deadline = began + .seconds(drill.stalledWriteSeconds) + .seconds(15)
        for connection in held {
            let closed = await connection.waitForClose(timeout: deadline - ContinuousClock.now)
            report.outcomes[closed ? "cut" : "still-open", default: 0] += 1
        }
    }

    /// A silent subscriber must have been cut (`slow_subscriber`, or the stall timeout): it now
    /// reads what it was sent, and the last line says why when it got through before the close.
    private func collectSubscribers(into report: inout OverloadPhaseReport) async {
        for connection in held {
            connection.startReading()
            let closed = await connection.waitForClose(timeout: .seconds(drill.stalledWriteSeconds + 8))
            let outcome: String
            if !closed { outcome = "still-open" }
            else if connection.lastLine.contains("slow_subscriber") { outcome = "cut-slow_subscriber" }
            else { outcome = "cut" }
            report.outcomes[outcome, default: 0] += 1
        }
    }

    // MARK: 2 MiB lines (over the 1 MiB a batch may fill)

    private func startFlood() {
        let line: ByteBuffer = {
            var bytes = ByteBuffer(repeating: UInt8(ascii: "x"), count: drill.floodLineBytes - 1)
            bytes.writeInteger(UInt8(ascii: "\n"))
            return bytes
        }()
        let clients = drill.floodClients, socketPath = socketPath, group = group, stop = stop
        flood = Task {
            await withTaskGroup(of: [String: Int].self) { tasks in
                for _ in 0..<clients {
                    tasks.addTask {
                        var outcomes: [String: Int] = [:]
                        while !stop.isSet {
                            guard let connection = try? await OffenderConnection.open(socketPath: socketPath, group: group, reading: true) else {
                                outcomes["connect-failed", default: 0] += 1
                                try? await Task.sleep(for: .milliseconds(10))
                                continue
                            }
                            connection.send(line)
                            let closed = await connection.waitForClose(timeout: .seconds(10))
                            let outcome = !closed ? "still-open"
                                : connection.lastLine.contains("line_too_long") ? "refused-line_too_long" : "closed-without-reply"
                            outcomes[outcome, default: 0] += 1
                            connection.close()
                        }
                        return outcomes
                    }
                }
                return await tasks.reduce(into: [:]) { total, outcomes in total.merge(outcomes, uniquingKeysWith: +) }
            }
        }
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
