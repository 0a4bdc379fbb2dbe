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

    /// The events it appends at most: a batch's count, else one (what bounds a group).
    var events: Int {
        if case .appendBatch(_, let items) = request { items.count } else { 1 }
    }
}

/// What staging does with a request, read without copying its payload: a `switch` over the
/// request itself held a copy of it through the case, so that the moves out of it copied every
/// event of a batch instead (perf, `solvent bench ingest --only binary.batch`).
enum StagingRole {
    case append, appendBatch, clockTick, query
}

extension Request {
    var staging: StagingRole {
        switch self {
        case .append: .append
        case .appendBatch: .appendBatch
        case .clockTick: .clockTick
        default: .query
        }
    }

    /// The append's parts, moved out: the request is left a payload-free `.status` (assigned,
    /// which releases the payload, so the parts returned are the only references).
    mutating func takeAppend() -> (key: String, time: TimeMs?, event: Event) {
        guard case .append(let key, let time, let event) = self else { preconditionFailure("takeAppend of another request") }
        self = .status
        return (key, time, event)
    }

    /// The batch's parts, moved out as `takeAppend` moves an append's.
    mutating func takeBatch() -> (key: String, items: [BatchItem]) {
        guard case .appendBatch(let key, let items) = self else { preconditionFailure("takeBatch of another request") }
        self = .status
        return (key, items)
    }
}
