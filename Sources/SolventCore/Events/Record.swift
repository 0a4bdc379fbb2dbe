/// One entry of the log: `{seq, time, kind, cause?, payload}` (SPEC §4).
public struct Record: Equatable, Sendable {
    public var seq: Seq
    public var time: TimeMs
    /// The seq of the input that made the engine emit this record; nil for inputs.
    public var cause: Seq?
    public var event: Event

    public init(seq: Seq, time: TimeMs, cause: Seq? = nil, event: Event) {
        self.seq = seq
        self.time = time
        self.cause = cause
        self.event = event
    }

    public var kind: EventKind { event.kind }
}
