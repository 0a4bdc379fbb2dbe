import NIOCore
import SolventProtocol

/// Replies of one connection in request order: each request takes a slot when it is read, its
/// reply fills the slot whenever it is ready, and replies leave only from the front.
struct ReplyOrder<Reply> {
    private var slots = CircularBuffer<Reply?>()
    /// The request number of `slots.first`.
    private var frontIndex: UInt64 = 0
    private var nextIndex: UInt64 = 0

    /// Requests read and not yet replied to (their replies waiting or not ready).
    var inFlight: Int { slots.count }

    /// Takes the next slot; returns its request number.
    mutating func open() -> UInt64 {
        slots.append(nil)
        defer { nextIndex += 1 }
        return nextIndex
    }

    /// Fills request `index`'s slot; returns the replies that may now be written, in order.
    mutating func fill(_ index: UInt64, with reply: Reply) -> [Reply] {
        var ready: [Reply] = []
        fill(index, with: reply) { ready.append($0) }
        return ready
    }

    /// Fills request `index`'s slot and passes each reply that may now be written to `emit`, in
    /// order (no array per call: the connection encodes straight into its write buffer).
    mutating func fill(_ index: UInt64, with reply: Reply, emit: (Reply) -> Void) {
        precondition(index >= frontIndex && index < nextIndex, "reply \(index) for a request not in flight")
        let position = slots.index(slots.startIndex, offsetBy: Int(index - frontIndex))
        precondition(slots[position] == nil, "request \(index) replied to twice")
        slots[position] = reply
        while let first = slots.first, let ready = first {
            emit(ready)
            slots.removeFirst()
            frontIndex += 1
        }
    }
}
