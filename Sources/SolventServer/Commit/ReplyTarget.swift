import SolventCore

/// One request's answer and the number its connection gave the request.
struct IndexedResponse: Sendable {
    var index: UInt64
    var response: Response
}

/// Where a connection's answers go. The committer hands each connection all its answers of one
/// group commit in one call (one hop to its event loop, not one per request).
protocol ReplyTarget: AnyObject, Sendable {
    func deliver(_ responses: [IndexedResponse])
}

/// A request queued for the committer with the connection that waits for its answer.
struct Submission: Sendable {
    var request: Request
    var index: UInt64
    var target: any ReplyTarget
}

/// The answers of one group commit, gathered per connection.
struct Outbox {
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
    /// connection restores its own request order).
    func send() {
        for (target, responses) in entries { target.deliver(responses) }
    }
}
