import Foundation
import Synchronization
import SolventProtocol
import SolventCore

/// What the drill's clients learned, shared between them: every key acknowledged (with the seq
/// the reply gave), every key refused for good, every event sent, and the auctions seen.
final class DrillState: @unchecked Sendable {
    struct Ack {
        var seq: Seq
        var identity: [UInt8]
    }

    private let lock = NSLock()
    private var acked: [String: Ack] = [:]
    /// Batch keys acknowledged, with the seq of their first appended event (the key's stored seq).
    private var batchKeys: [String: Seq] = [:]
    private var refused: [String: [UInt8]] = [:]
    private var sent: Set<[UInt8]> = []
    private var auctions: [Seq] = []
    private var conflicts = 0

    /// Auctions kept for bids: the newest few (older ones have likely ended).
    static let auctionsKept = 4

    func noteSent(_ requests: [DrillRequest]) {
        lock.withLock {
            for request in requests {
                if request.isBatch { sent.formUnion(request.items) } else { sent.insert(request.identity) }
            }
        }
    }

    /// Records `reply` to `request`; returns whether it is final (false: retry it).
    func settle(_ request: DrillRequest, reply: String) -> Bool {
        guard let json = try? JSONParser.parse(reply) else { return false }
        if request.isBatch, json["ok"] == .bool(true), case .array(let results)? = json["results"] {
            settleBatch(request, results)
            return true
        }
        if json["ok"] == .bool(true), case .number(let text)? = json["seq"], let seq = Seq(text) {
            lock.withLock {
                // The same key answered with another seq: it was appended twice.
                if let earlier = acked[request.key], earlier.seq != seq { conflicts += 1 }
                acked[request.key] = Ack(seq: seq, identity: request.identity)
                if case .array(let derived)? = json["derived"] {
                    for record in derived where record["kind"] == .string("auction.started") {
                        if case .number(let id)? = record["seq"], let auction = Seq(id) { auctions.append(auction) }
                    }
                    auctions = Array(auctions.suffix(Self.auctionsKept))
                }
            }
            return true
        }
        guard case .string(let code)? = json["error"]?["code"] else { return false }
        // Not answered for good: retried (a standby's or a fenced leader's `not_leader` too,
        // at the leader; the cluster drill).
        if ["shutting_down", "commit_failed", "not_leader"].contains(code) { return false }
        lock.withLock { refused[request.key] = request.identity }
        return true
    }

    /// Each event of an acknowledged batch settled under its item key: appended ones acked with
    /// their seq, refused ones refused; the batch key noted with its first seq.
    private func settleBatch(_ request: DrillRequest, _ results: [JSONValue]) {
        lock.withLock {
            for (index, result) in results.enumerated() where index < request.items.count {
                let key = request.itemKey(index)
                guard result["ok"] == .bool(true), case .number(let text)? = result["seq"], let seq = Seq(text) else {
                    refused[key] = request.items[index]
                    continue
                }
                if let earlier = acked[key], earlier.seq != seq { conflicts += 1 }
                acked[key] = Ack(seq: seq, identity: request.items[index])
                if batchKeys[request.key] == nil { batchKeys[request.key] = seq }
            }
        }
    }

    var ackedBatchKeys: [String: Seq] { lock.withLock { batchKeys } }
    var currentAuctions: [Seq] { lock.withLock { auctions } }
    var acknowledged: [String: Ack] { lock.withLock { acked } }
    var refusedCount: Int { lock.withLock { refused.count } }
    /// Refused keys with the event each carried.
    var refusedRequests: [String: [UInt8]] { lock.withLock { refused } }
    var conflictCount: Int { lock.withLock { conflicts } }
    var sentIdentities: Set<[UInt8]> { lock.withLock { sent } }
}

/// One client of the drill: its generator and what it sent without an answer yet.
final class DrillClient: @unchecked Sendable {
    private var load: DrillLoad
    /// Sent, not answered (or answered "retry"): resent first, with the same keys.
    private(set) var pending: [DrillRequest] = []
    /// The most requests pipelined in one exchange.
    static let maxBatch = 16

    init(number: Int) { load = DrillLoad(client: number) }

    /// Sends on one connection until it breaks; with `fresh` false only what is pending, then
    /// returns. Called by one task at a time.
    func run(socketPath: String, state: DrillState, fresh: Bool, until stop: DrillStop? = nil) async {
        _ = try? await LineClient.withConnection(socketPath: socketPath) { connection in
            while (fresh && !(stop?.isSet ?? false)) || !pending.isEmpty {
                var batch = pending
                if batch.isEmpty {
                    let auctions = state.currentAuctions
                    batch = (0..<Int.random(in: 1...Self.maxBatch)).map { _ in load.nextRequest(auctions: auctions) }
                }
                pending = batch  // Unanswered until a reply says otherwise.
                state.noteSent(batch)
                let replies = try await connection.exchange(batch.map(\.line))
                pending = zip(batch, replies).filter { !state.settle($0, reply: $1) }.map(\.0) + batch.dropFirst(replies.count)
                if replies.count < batch.count { return }  // The daemon went away mid-batch.
                // A standby, or a leader that stepped down: the leader is elsewhere.
                if replies.contains(where: { $0.contains(#""code":"not_leader""#) }) { return }
            }
        }
    }
}

/// Tells the drill's clients to stop sending fresh requests.
final class DrillStop: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
