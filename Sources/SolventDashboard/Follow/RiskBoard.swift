import Synchronization
import SolventCore

/// The dashboard's one copy of the state: the ledger as of the last record read, what `History`
/// keeps of the records, and the SSE listeners to wake when it moves. Written by the follower
/// alone; read by every request, under one lock (views are computed inside it, so a request
/// never copies the ledger and a write never waits on a copy).
public final class RiskBoard: Sendable {
    struct State: Sendable {
        var ledger: Ledger
        var history = History()
        /// Whether the follower is connected to a daemon right now.
        var live = false
        var listeners: [Int: AsyncStream<Seq>.Continuation] = [:]
        var nextListener = 0
    }

    private let state: Mutex<State>

    public init(rules: RulesVersion) {
        state = Mutex(State(ledger: Ledger(rules: rules)))
    }

    /// Applies `records` in order: inputs through the ledger (which re-derives what follows
    /// them), every record into the history. Records at or before the last seq are skipped, so a
    /// catch-up that overlaps what was read is harmless. Wakes the listeners once.
    public func apply(_ records: [Record]) {
        let seq = state.withLock { state -> Seq? in
            var moved = false
            for record in records where record.seq > state.history.lastSeen {
                // A derived record follows its input, whose application re-derived it already.
                if record.kind.isInput { _ = state.ledger.apply(record.event, seq: record.seq, time: record.time) }
                state.history.observe(record, ledger: state.ledger)
                moved = true
            }
            return moved ? state.ledger.lastSeq : nil
        }
        if let seq { publish(seq) }
    }

    /// Marks the follower connected or not (shown on every page).
    func setLive(_ live: Bool) {
        let seq = state.withLock { state -> Seq in
            state.live = live
            return state.ledger.lastSeq
        }
        publish(seq)
    }

    /// Whether the follower is connected to a daemon right now.
    public var isLive: Bool { state.withLock { $0.live } }

    /// Reads the state under the lock.
    func read<T>(_ body: (Ledger, History, Bool) -> T) -> T {
        state.withLock { body($0.ledger, $0.history, $0.live) }
    }

    public var lastSeq: Seq { state.withLock { $0.ledger.lastSeq } }

    /// The last record read (the ledger's last seq can be ahead: it counts what an input derived).
    public var lastSeqSeen: Seq { state.withLock { $0.history.lastSeen } }

    /// A stream of the last seq, yielded whenever records were applied and every `heartbeat`
    /// (newest only: a slow listener skips to the latest), until its consumer goes away.
    func listen(heartbeat: Duration) -> AsyncStream<Seq> {
        let (stream, continuation) = AsyncStream.makeStream(of: Seq.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            let id = state.nextListener
            state.nextListener += 1
            state.listeners[id] = continuation
            continuation.yield(state.ledger.lastSeq)
            return id
        }
        let ticker = Task { [weak self] in
            while (try? await Task.sleep(for: heartbeat)) != nil, let self {
                continuation.yield(self.lastSeq)
            }
        }
        continuation.onTermination = { [weak self] _ in
            ticker.cancel()
            self?.state.withLock { _ = $0.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    var listenerCount: Int { state.withLock { $0.listeners.count } }

    private func publish(_ seq: Seq) {
        let listeners = state.withLock { Array($0.listeners.values) }
        for listener in listeners { listener.yield(seq) }
    }

    /// Ends every listener's stream (shutdown).
    func finishListeners() {
        let listeners = state.withLock { state in
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }
}
