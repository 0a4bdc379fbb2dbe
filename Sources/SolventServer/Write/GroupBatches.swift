import SolventCore
import SolventProtocol
import SolventStore

/// A batch append of a group (docs/PROTOCOL.md "Batches"): one request, one key, many events.
/// Its readable events are fresh inputs of the group like single appends (in arrival order, so
/// a connection's requests apply in the order it sent them); the first of them accepted stores
/// the key (`JournalInput.sharesKey`), and the batch's results go out in one reply.
struct BatchAppend: Sendable {
    /// Per event, in the batch's order: its input's result to come, or its refusal already.
    enum Slot: Sendable {
        case input
        case refused(InputError)
    }

    var submission: Int
    var key: String
    var slots: [Slot]
    /// Set once the batch has its reply (from a stored key, or a failed commit).
    var answered = false
}

extension Group {
    /// Adds the batch of `work[position]`: each readable event an input (stamped with the
    /// receipt time later, unless it named one), the others refused in their slots. A batch
    /// whose key an earlier request of the group holds is refused; one with no readable event
    /// is answered at once (nothing appended, its key not stored).
    mutating func addBatch(key: String, items: inout [BatchItem], at position: Int) {
        guard freshIndex[KeyBytes(key)] == nil else {
            return outbox.add(.refused(key: key, Self.keyInFlight(key)), for: work[position])
        }
        let batch = Int32(batches.count)
        var slots: [BatchAppend.Slot] = []
        slots.reserveCapacity(items.count)
        let first = inputs.count
        // Each event moved out of `items` (`takeEvent`): `for item in items` copied every one.
        for index in items.indices {
            if let refusal = items[index].refusal {
                slots.append(.refused(BatchReceipt.kept(refusal)))
                continue
            }
            let time = items[index].time
            slots.append(.input)
            keys.append(key)
            inputs.append(JournalInput(time: time ?? 0, event: items[index].takeEvent(), key: key, sharesKey: true))
            fresh.append(Fresh(submission: position, timed: time != nil, batch: batch))
        }
        batches.append(BatchAppend(submission: position, key: key, slots: slots))
        if inputs.count == first { return answerBatchOnce(Int(batch), batchReply(Int(batch), inputResults: [])) }
        freshIndex[KeyBytes(key)] = first
    }

    /// The batch's reply: its slots, each `.input` filled by the next of `inputResults`.
    func batchReply(_ batch: Int, inputResults: [BatchResult]) -> Response {
        var next = inputResults.makeIterator()
        let results = batches[batch].slots.map { slot -> BatchResult in
            switch slot {
            case .input: next.next() ?? .refused(InputError(code: "internal", message: "a batch event without a result"))
            case .refused(let error): .refused(error)
            }
        }
        return .batchAppended(key: batches[batch].key, results: results)
    }

    /// Each batch's reply from the staged `results` (one per fresh input, each a range of
    /// `records`), nil for a batch answered already: built once, for its receipt and then its
    /// answer.
    func batchReplies(_ results: [Result<Range<Int>, InputError>], records: [Record]) -> [Response?] {
        var perBatch = [[BatchResult]](repeating: [], count: batches.count)
        for index in fresh.indices where fresh[index].batch >= 0 {
            let result: BatchResult = switch results[index] {
            case .success(let range):
                .appended(seq: records[range.lowerBound].seq, derived: StagedGroup.derived(records, range))
            case .failure(let error): .refused(BatchReceipt.kept(error))
            }
            perBatch[Int(fresh[index].batch)].append(result)
        }
        return batches.indices.map { batches[$0].answered ? nil : batchReply($0, inputResults: perBatch[$0]) }
    }

    /// The receipt of each batch that appended something (a batch that appended nothing stored
    /// no key, and a retry of it is a new request).
    static func receipts(_ replies: [Response?]) -> [RequestReceipt] {
        replies.compactMap { reply in
            guard case .batchAppended(let key, let results)? = reply,
                  results.contains(where: { if case .appended = $0 { true } else { false } }) else { return nil }
            return RequestReceipt(key: key, bytes: BatchReceipt.encode(results))
        }
    }

    mutating func answerBatchOnce(_ batch: Int, _ response: Response) {
        guard !batches[batch].answered else { return }
        batches[batch].answered = true
        answer(submission: batches[batch].submission, response)
    }

    static func keyInFlight(_ key: String) -> InputError {
        InputError(code: "key_reused", field: "key",
                   message: "key \(key) is held by an earlier request in flight; a batch's retry must wait for its reply")
    }
}
