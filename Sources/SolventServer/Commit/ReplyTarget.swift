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
    private var byTarget: [ObjectIdentifier: (target: any ReplyTarget, responses: [IndexedResponse])] = [:]

    mutating func add(_ response: Response, for submission: Submission) {
        let id = ObjectIdentifier(submission.target)
        byTarget[id, default: (submission.target, [])].responses.append(IndexedResponse(index: submission.index, response: response))
    }

    /// Hands every connection its answers (order between connections does not matter; each
    /// connection restores its own request order).
    func send() {
        for (target, responses) in byTarget.values { target.deliver(responses) }
    }
}
