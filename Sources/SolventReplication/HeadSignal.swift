import Synchronization

/// Wakes the link's record streams when the leader commits (the durable commit calls `notify`
/// through the replication gate), instead of each stream looking at the log's head on a timer:
/// under semi-synchronous acks every group waits for a standby, and a timer's period was added
/// to every acknowledgement.
final class HeadSignal: Sendable {
    private let listeners = Mutex<(next: Int, all: [Int: AsyncStream<Void>.Continuation])>((0, [:]))

    /// A stream that yields after every `notify` (the newest only: a busy stream skips to it).
    func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = listeners.withLock { state -> Int in
            let id = state.next
            state.next += 1
            state.all[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.listeners.withLock { _ = $0.all.removeValue(forKey: id) } }
        return stream
    }

    func notify() {
        for continuation in listeners.withLock({ Array($0.all.values) }) { continuation.yield() }
    }
}
