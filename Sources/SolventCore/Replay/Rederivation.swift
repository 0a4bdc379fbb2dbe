/// Re-applies a log from a starting state and checks that every derived record in it is exactly
/// what the engine derives again (SPEC "replay reproduces every record byte for byte").
///
/// Feed records in seq order. An input is checked and applied; the derived records it yields
/// become the expected next records, compared byte for byte as they arrive.
public struct Rederivation: Sendable {
    // `internal(set)`: the lookahead (Lookahead.swift) reads cells in place through mutable access.
    public internal(set) var ledger: Ledger
    /// Derived events of the last input, still to be met in the log; they belong at
    /// `expectedCause + 1 + i`, with the input's time. Kept as events, not records, so an input
    /// that derives nothing costs no allocation.
    private var expected: [Event] = []
    private var expectedIndex = 0
    private var expectedCause: Seq = 0
    private var expectedTime: TimeMs = 0
    private var lastTime = TimeMs(.min)
    public private(set) var lastSeq: Seq
    /// The log's `state.root` rule; nil for logs written without one (pure core tests).
    public let stateRoots: StateRootPolicy?
    /// Decodes the records `feed(_:)` is given. Public so that a driver can run it on another
    /// thread and hand it back (`LogReader.forEachDecoded`): the indices in `accountOfKey` and
    /// `marketOfKey` are those of this decoder's table.
    public var decoder = RecordDecoder()
    /// Ledger index of the account / market whose bytes are `decoder`'s table entry i; −1 while
    /// not known (ResolvedKeys.swift).
    var accountOfKey: [Int32] = []
    var marketOfKey: [Int32] = []

    /// Starts from `ledger`, the state after record `lastSeq` (0 for genesis).
    public init(ledger: Ledger = Ledger(), lastSeq: Seq = 0, stateRoots: StateRootPolicy? = nil) {
        self.ledger = ledger
        self.lastSeq = lastSeq
        self.stateRoots = stateRoots
    }

    /// The records the last input derived, as the engine derives them again (for audits that
    /// show them beside the log's).
    public var derivedRecords: [Record] {
        expected.indices.map { Record(seq: expectedCause + 1 + UInt64($0), time: expectedTime, cause: expectedCause, event: expected[$0]) }
    }

    /// Whether every derived record expected so far has been seen.
    public var isSettled: Bool { expectedIndex == expected.count }

    /// Checks one stored record (its canonical bytes, without the chain's prevHash).
    public mutating func feed(_ bytes: ArraySlice<UInt8>) -> ReplayMismatch? {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Checks one stored record read in place (e.g. `LogReader.forEachBorrowed`): replay then
    /// copies nothing out of the store.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> ReplayMismatch? {
        let decoded = decoder.decode(bytes)
        return feed(decoded)
    }

    /// Checks one record decoded ahead by `decoder` (this replay's own, or the one a pipeline
    /// took from it and ran on another thread: see `RecordDecoder`). Judges exactly as
    /// `feed(_:)` of the bytes: whatever the fast paths below do not settle goes to `check`.
    public mutating func feed(_ record: borrowing DecodedRecord) -> ReplayMismatch? {
        var record = copy record
        return feed(inPlace: &record)
    }

    /// `feed(_:)`, reading the decoded event where it lies in `record`, which keeps it: a
    /// batch's records are destroyed by their owner (`DecodeRing`'s producer, on the decoding
    /// thread, before it fills the buffer again). Destroying each event here, after moving it
    /// out, was ~4% of the applying thread in `bench replay` (the enum's value witness, an
    /// outlined consume and a `swift_release` call per id), and that thread bounds the wall clock.
    /// Borrowed in place, never copied: `record.event!` into `applyInput`'s `borrowing`
    /// parameter compiles to no copy (checked in the release build's disassembly), where
    /// `switch`/`if let` on the optional, or reading its payload through a pointer, copied the
    /// event (the enum's outlined copy) and then destroyed the copy.
    public mutating func feed(inPlace record: inout DecodedRecord) -> ReplayMismatch? {
        if expectedIndex < expected.count {
            // A derived record is due: equal bytes settle it (they decode, and their seq and
            // time follow, since they are the engine's own record); any other goes to `check`.
            let want = Record(seq: expectedCause + 1 + UInt64(expectedIndex), time: expectedTime, cause: expectedCause,
                              event: expected[expectedIndex])
            guard RecordCodec.encode(want).elementsEqual(record.bytes) else { return check(record.bytes) }
            expectedIndex += 1
            lastSeq = want.seq
            lastTime = want.time
            return nil
        }
        // `case .some` tests without binding; no `record.event != nil`: that is Optional's `==`
        // on two `Event?`, which copied the event into a tuple and destroyed it through the
        // runtime's generic tuple witness (~8% of the thread). `check` reads only the bytes.
        guard record.seq == lastSeq + 1, record.time >= lastTime, case .some = record.event else {
            return check(record.bytes)
        }
        lastSeq = record.seq
        lastTime = record.time
        return applyInput(record.event!, seq: record.seq, time: record.time, keys: record.keys)
    }

    /// Judges one stored record from its bytes alone, the reference way: decode, order, then
    /// compare or apply. Every mismatch is reported from here.
    private mutating func check(_ bytes: UnsafeRawBufferPointer) -> ReplayMismatch? {
        let record: Record
        do { record = try RecordCodec.decode(bytes) } catch {
            return ReplayMismatch(seq: lastSeq + 1, reason: "record does not decode: \(error)", expected: nextExpected, actual: nil)
        }

        guard record.seq == lastSeq + 1 else {
            return ReplayMismatch(seq: record.seq, reason: "seq \(record.seq) follows \(lastSeq)", expected: nextExpected, actual: record)
        }
        guard record.time >= lastTime else {
            return ReplayMismatch(seq: record.seq, reason: "time \(record.time) before \(lastTime)", expected: nextExpected, actual: record)
        }
        lastSeq = record.seq
        lastTime = record.time
        // Asked by index first: the `nextExpected` getter copied the whole replay state per record.
        if expectedIndex < expected.count, let want = nextExpected {
            expectedIndex += 1
            guard RecordCodec.encode(want).elementsEqual(bytes) else {
                return ReplayMismatch(seq: record.seq, reason: "derived record differs", expected: want, actual: record)
            }
            return nil
        }
        guard record.kind.isInput, record.cause == nil else {
            return ReplayMismatch(seq: record.seq, reason: "\(record.kind.name) is not derived from any input here", expected: nil, actual: record)
        }
        return applyInput(record.event, seq: record.seq, time: record.time, keys: DecodedKeys())
    }

    /// Call at the end of the log: a derived record the engine expects but the log lacks is a mismatch.
    public func finish() -> ReplayMismatch? {
        guard let want = nextExpected else { return nil }
        return ReplayMismatch(seq: want.seq, reason: "log ends before this derived record", expected: want, actual: nil)
    }

    private var nextExpected: Record? {
        guard expectedIndex < expected.count else { return nil }
        return Record(seq: expectedCause + 1 + UInt64(expectedIndex), time: expectedTime, cause: expectedCause,
                      event: expected[expectedIndex])
    }

    private mutating func applyInput(_ event: borrowing Event, seq: Seq, time: TimeMs, keys: DecodedKeys) -> ReplayMismatch? {
        do {
            expected = try ledger.checkAndApply(event, seq: seq, time: time, resolved: resolved(keys))
            if let root = ledger.stateRootIfDue(stateRoots, inputSeq: seq, derivedCount: expected.count) {
                expected.append(root)
            }
        } catch {
            return ReplayMismatch(seq: seq, reason: "input refused on replay: \(error)", expected: nil,
                                  actual: Record(seq: seq, time: time, event: copy event))
        }
        expectedIndex = 0
        expectedCause = seq
        expectedTime = time
        learn(keys, of: event)
        return nil
    }
}

/// The first place where a log and its re-derivation disagree.
public struct ReplayMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    public var seq: Seq
    public var reason: String
    /// What the engine derives for this seq, if anything.
    public var expected: Record? {
        get { records.expected }
        set { records = Records(expected: newValue, actual: actual) }
    }
    /// What the log holds at this seq, if it decodes.
    public var actual: Record? {
        get { records.actual }
        set { records = Records(expected: expected, actual: newValue) }
    }
    /// Boxed: `feed` returns a `ReplayMismatch?` per record, and two inline records made that
    /// ~700 bytes to initialise and move each time (now 32).
    private var records: Records

    private final class Records: Equatable, Sendable {
        let expected: Record?
        let actual: Record?
        init(expected: Record?, actual: Record?) {
            self.expected = expected
            self.actual = actual
        }
        static func == (lhs: Records, rhs: Records) -> Bool {
            lhs.expected == rhs.expected && lhs.actual == rhs.actual
        }
    }

    public init(seq: Seq, reason: String, expected: Record?, actual: Record?) {
        self.seq = seq
        self.reason = reason
        records = Records(expected: expected, actual: actual)
    }

    public var description: String {
        var text = "mismatch at seq \(seq): \(reason)"
        if let expected { text += "\n  derived: " + JSONWriter.string(RecordJSON.json(expected)) }
        if let actual { text += "\n  log:     " + JSONWriter.string(RecordJSON.json(actual)) }
        return text
    }
}
