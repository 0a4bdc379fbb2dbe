import Foundation
import SolventCore

/// Batches of decoded records handed from one decoding thread to one applying thread
/// (`LogReader.forEachDecoded`): `depth` buffers of `batchSize` records, filled and emptied in
/// turn. One lock and one signal per batch, not per record; a side with nothing to do sleeps on
/// the condition instead of spinning, so an idle pipeline burns no core.
///
/// The producer also destroys the records of a buffer before filling it again, so releasing
/// events costs the applying thread nothing.
///
/// `@unchecked Sendable`: the counters are only touched under `condition`'s lock; a buffer is
/// written by the producer alone between `bufferToFill` and `filled`, then read by the consumer
/// alone between `nextBatch` and `release`, and the lock orders the two.
final class DecodeRing: @unchecked Sendable {
    let batchSize: Int
    let depth: Int
    private let storage: UnsafeMutablePointer<DecodedRecord>
    /// Records initialised in each buffer (kept after `release` until the buffer is refilled).
    private var counts: [Int]
    /// Batches handed over and taken back, since the start (buffer = number % depth).
    private var produced = 0
    private var consumed = 0
    private var producerDone = false
    private var consumerStopped = false
    private let condition = NSCondition()

    /// 64 buffers of 512 (32,768 records of 160 bytes, 5 MiB): with 4, the applying thread
    /// found the ring empty for about three batches in four while the decoder, faster on
    /// average, was held up now and then (the two threads share the machine's two cores with
    /// everything else). `bench replay` on the same log, alternating builds: 2.90–2.93M events/s
    /// wall with 4, 2.96–3.06M with 16, 2.98–3.14M with 32, 3.14–3.16M with 64 (docs/LEDGER.md,
    /// "Replay speed").
    init(batchSize: Int = 512, depth: Int = 64) {
        precondition(batchSize > 0 && depth > 1, "a ring needs room")
        self.batchSize = batchSize
        self.depth = depth
        storage = .allocate(capacity: batchSize * depth)
        counts = Array(repeating: 0, count: depth)
    }

    deinit {
        for buffer in 0..<depth { (storage + buffer * batchSize).deinitialize(count: counts[buffer]) }
        storage.deallocate()
    }

    // MARK: Producer

    /// The next buffer to fill, emptied, waiting while every buffer is full; nil once the
    /// consumer stopped.
    func bufferToFill() -> UnsafeMutablePointer<DecodedRecord>? {
        condition.lock()
        while produced - consumed == depth && !consumerStopped { condition.wait() }
        guard !consumerStopped else {
            condition.unlock()
            return nil
        }
        let buffer = produced % depth
        let stale = counts[buffer]
        counts[buffer] = 0
        condition.unlock()
        // Outside the lock: the consumer released this buffer and will not look at it again
        // until it is handed over anew.
        let start = storage + buffer * batchSize
        start.deinitialize(count: stale)
        return start
    }

    /// Hands over the buffer from `bufferToFill`, with its first `count` records initialised.
    func filled(count: Int) {
        condition.lock()
        counts[produced % depth] = count
        produced += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The producer hands over nothing more.
    func finish() {
        condition.lock()
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Consumer

    /// The next batch, waiting for it; nil when the producer finished and every batch was taken.
    func nextBatch() -> UnsafeMutableBufferPointer<DecodedRecord>? {
        condition.lock()
        defer { condition.unlock() }
        while produced == consumed && !producerDone { condition.wait() }
        guard produced > consumed else { return nil }
        return UnsafeMutableBufferPointer(start: storage + (consumed % depth) * batchSize, count: counts[consumed % depth])
    }

    /// Gives back the batch from `nextBatch` (its records are destroyed by the producer).
    func release() {
        condition.lock()
        consumed += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer takes no more: the producer stops at its next batch.
    func stop() {
        condition.lock()
        consumerStopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the producer called `finish`.
    func waitForProducer() {
        condition.lock()
        while !producerDone { condition.wait() }
        condition.unlock()
    }
}
