import Foundation
import SolventCore

// Replay on two cores: one thread reads the log and decodes (`RecordDecoder`), the calling
// thread applies and compares (`Rederivation`). Decoding and resolving ids was about a fifth of
// replay's time on one core (`solvent bench replay` profile, docs/LEDGER.md).
//
// Why here and not in SolventCore: the core stays free of threads and I/O; this is the store's
// way of reading records, like `forEachBorrowed`. The results cannot depend on the threads: the
// decoder is a pure function of the bytes in log order, and every record is still judged, in
// seq order, by `Rederivation.feed` on the calling thread.

extension LogReader {
    /// Below this many records a replay decodes on the calling thread: a thread costs more than
    /// it saves on a short tail (`solvent account --at`, a restart after a recent snapshot).
    public static let decodeThreadMinRecords: UInt64 = 4096

    /// Feeds records `first` through `last` (or the end) to `replay` in seq order, exactly as
    /// `forEachBorrowed` + `Rederivation.feed` would, with decoding on a second thread for long
    /// ranges. After each record fed without a mismatch `after` may inspect the replay; it
    /// returns false to stop. Returns the first mismatch, or nil (call `finish()` for the end).
    public func replay(_ replay: inout Rederivation, from first: Seq, through last: Seq? = nil,
                       after: (inout Rederivation, Seq) throws -> Bool = { _, _ in true }) throws -> ReplayMismatch? {
        var mismatch: ReplayMismatch?
        var decoder = replay.decoder
        replay.decoder = RecordDecoder()  // the copy below then stays uniquely referenced
        defer { replay.decoder = decoder }
        try forEachDecoded(from: first, through: last, decoder: &decoder) { batch in
            let fed = try replay.feed(batch: batch, after: after)
            mismatch = fed.mismatch
            return !fed.stopped
        }
        return mismatch
    }

    /// Calls `body` with the records from `first` through `last` (or the end), decoded by
    /// `decoder`, in seq order and in batches, until it returns false. The records borrow the
    /// store's memory and are valid only during the call that receives them, which may change
    /// them (`Rederivation.feed(batch:after:)` reads them in place and leaves their events to
    /// be destroyed here, on the decoding thread when there is one).
    public func forEachDecoded(from first: Seq, through last: Seq? = nil, decoder: inout RecordDecoder,
                               _ body: (UnsafeMutableBufferPointer<DecodedRecord>) throws -> Bool) throws {
        let end = min(last ?? lastSeq, lastSeq)
        guard end >= first else { return }
        if end.rawValue - first.rawValue + 1 < Self.decodeThreadMinRecords {
            return try decodeHere(from: first, through: last, decoder: &decoder, body)
        }
        let ring = DecodeRing()
        let job = DecodeJob(reader: self, first: first, last: last, decoder: decoder, ring: ring)
        let thread = Thread { job.run() }
        thread.name = "solvent-decode"
        thread.start()
        // The producer uses this reader's transaction until it finishes; this thread does not
        // touch it meanwhile (MDB_NOTLS lets a read transaction move between threads,
        // Environment.swift), and the borrowed bytes stay valid until `read` ends it.
        var failure: Error?
        while let batch = ring.nextBatch() {
            let goOn: Bool
            do { goOn = try body(batch) } catch {
                failure = error
                goOn = false
            }
            ring.release()
            guard goOn else { break }
        }
        ring.stop()
        ring.waitForProducer()
        decoder = job.decoder
        if let failure { throw failure }
        if let error = job.error { throw error }
    }

    /// `forEachDecoded` on the calling thread, one record per batch.
    private func decodeHere(from first: Seq, through last: Seq?, decoder: inout RecordDecoder,
                            _ body: (UnsafeMutableBufferPointer<DecodedRecord>) throws -> Bool) throws {
        try forEachBorrowed(from: first, through: last) { stored in
            var record = decoder.decode(stored.bytes)
            return try withUnsafeMutablePointer(to: &record) { try body(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        }
    }
}

/// The decoding thread's work and results. `@unchecked Sendable`: the fields are written by the
/// decoding thread only, and read by the applying thread after `DecodeRing.waitForProducer`,
/// whose lock orders the two.
private final class DecodeJob: @unchecked Sendable {
    let reader: LogReader
    let first: Seq
    let last: Seq?
    var decoder: RecordDecoder
    let ring: DecodeRing
    var error: Error?

    init(reader: LogReader, first: Seq, last: Seq?, decoder: RecordDecoder, ring: DecodeRing) {
        self.reader = reader
        self.first = first
        self.last = last
        self.decoder = decoder
        self.ring = ring
    }

    func run() {
        defer { ring.finish() }
        // The records of a batch, borrowed: valid while the read transaction lasts, which the
        // applying thread keeps open until this thread finished.
        var batch: [UnsafeRawBufferPointer] = []
        batch.reserveCapacity(ring.batchSize)
        var stopped = false
        /// Decodes `batch` into the next buffer and hands it over; false once the consumer stopped.
        func handOver() -> Bool {
            guard let buffer = ring.bufferToFill() else { return false }
            batch.withUnsafeBufferPointer { decoder.decode($0, into: buffer) }
            ring.filled(count: batch.count)
            batch.removeAll(keepingCapacity: true)
            return true
        }
        do {
            try reader.forEachBorrowed(from: first, through: last) { stored in
                batch.append(stored.bytes)
                guard batch.count == ring.batchSize else { return true }
                stopped = !handOver()
                return !stopped
            }
        } catch {
            self.error = error
        }
        if !stopped, !batch.isEmpty { _ = handOver() }  // the last, partial batch
    }
}
