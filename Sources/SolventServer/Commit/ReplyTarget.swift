import NIOCore
import SolventCore
import SolventProtocol

/// One request's answer and the number its connection gave the request.
struct IndexedResponse: Sendable {
    var index: UInt64
    var response: Response
}

/// Where a connection's answers go. The committer hands each connection all its answers of one
/// group commit in one call (one hop to its event loop, not one per request).
protocol ReplyTarget: AnyObject, Sendable {
    /// Hands `responses` over; called on any thread.
    func deliver(_ responses: [IndexedResponse])
    /// The event loop the answers are used on, if the target lives on one. The committer then
    /// hands every target of that loop its answers of a group in ONE task on the loop
    /// (`deliverOnLoop`), not one task per connection: with 64 connections answered per group,
    /// one `execute` per connection (its closure, two locks) was about a tenth of the
    /// committer's own time (perf, `solvent bench ingest --only clients64`).
    var eventLoop: (any EventLoop)? { get }
    /// Hands `responses` over; called on `eventLoop`.
    func deliverOnLoop(_ responses: [IndexedResponse])
}

extension ReplyTarget {
    var eventLoop: (any EventLoop)? { nil }
    func deliverOnLoop(_ responses: [IndexedResponse]) { deliver(responses) }
}

/// A request queued for the committer with the connection that waits for its answer.
struct Submission: Sendable {
    var request: Request
    var index: UInt64
    var target: any ReplyTarget
}

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
