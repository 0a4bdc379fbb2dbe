import NIOCore
import SolventProtocol

/// The answers of one group commit, gathered per connection.
struct Outbox: Sendable {
    private var entries: [(target: any ReplyTarget, responses: [IndexedResponse])] = []
    private var positions: [ObjectIdentifier: Int] = [:]
    /// The entry of the previous answer: a connection's requests arrive together, so most
    /// answers go where the last one went, without a dictionary lookup.
    private var last = -1

    mutating func add(_ response: Response, for submission: Submission) {
        add(response, index: submission.index, target: submission.target)
    }

    mutating func add(_ response: Response, index: UInt64, target: any ReplyTarget) {
        let id = ObjectIdentifier(target)
        if last < 0 || ObjectIdentifier(entries[last].target) != id {
            if let position = positions[id] {
                last = position
            } else {
                last = entries.count
                positions[id] = last
                entries.append((target, []))
            }
        }
        entries[last].responses.append(IndexedResponse(index: index, response: response))
    }

    /// Connections with answers here.
    var connections: Int { entries.count }

    /// Hands every connection its answers (order between connections does not matter; each
    /// connection restores its own request order): the targets on an event loop in one task per
    /// loop, the others directly.
    func send() {
        var hops: [LoopHop] = []
        for (target, responses) in entries {
            guard let loop = target.eventLoop else {
                target.deliver(responses)
                continue
            }
            // Loops are few (one per core): a linear search beats hashing.
            if let hop = hops.firstIndex(where: { $0.loop === loop }) {
                hops[hop].answers.append((target, responses))
            } else {
                hops.append(LoopHop(loop: loop, answers: [(target, responses)]))
            }
        }
        for hop in hops {
            let answers = hop.answers
            hop.loop.execute {
                for (target, responses) in answers { target.deliverOnLoop(responses) }
            }
        }
    }
}

/// The answers of one group for the targets on one event loop.
private struct LoopHop: Sendable {
    var loop: any EventLoop
    var answers: [(target: any ReplyTarget, responses: [IndexedResponse])]
}
