/// An input event alone in canonical binary form, for the binary wire protocol
/// (docs/PROTOCOL.md "Binary frames"): u8 kind followed by the kind's payload fields, exactly as
/// in a record (docs/FORMAT.md), so a feeder's bytes are the bytes the log stores.
public enum InputCodec {
    /// Writes `event`'s kind byte and payload.
    public static func encode(_ event: Event, into writer: inout ByteWriter) {
        writer.writeUInt8(event.kind.rawValue)
        // The writer moved into the coder and back (swaps): a copy of it was copied whole by
        // the first append.
        var coder = BinaryFieldWriter(writer: ByteWriter(capacity: 0))
        swap(&coder.writer, &writer)
        event.writeFields(to: &coder)
        swap(&coder.writer, &writer)
    }

    /// Reads one input (kind byte and payload) that must fill the rest of `reader`, then runs the
    /// same checks as a JSON input. A non-canonical or derived event is refused, never trapped.
    public static func decode(_ reader: inout ByteReader) throws(InputError) -> Event {
        let start = reader.offset
        let kindByte: UInt8
        do { kindByte = try reader.readUInt8() } catch { throw InputError(code: "bad_frame", message: error.description) }
        guard let kind = EventKind(rawValue: kindByte) else {
            throw InputError(code: "unknown_kind", field: "kind", message: "unknown kind byte \(kindByte) at byte \(start)")
        }
        guard kind.isInput else {
            throw InputError(code: "not_input", field: "kind", message: "\(kind.name) is derived by the engine and cannot be sent")
        }
        var coder = BinaryFieldReader(reader: reader)
        let event: Event
        do { event = try Event.readFields(kind, from: &coder) } catch let error as CodecError {
            throw InputError(code: "bad_frame", message: "\(kind.name): \(error.description)")
        } catch {
            throw InputError(code: "bad_frame", message: "\(kind.name): \(error)")
        }
        reader = coder.reader
        guard reader.isAtEnd else {
            throw InputError(code: "bad_frame", message: "\(reader.remaining) trailing bytes after the \(kind.name) payload")
        }
        try event.validate()
        return event
    }
}
