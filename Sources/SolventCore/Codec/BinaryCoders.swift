/// Writes a payload's fields in canonical binary form (docs/FORMAT.md).
struct BinaryFieldWriter: FieldCoder {
    var writer: ByteWriter

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        value.encode(into: &writer)
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        writeOptional(value)
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        precondition(value.count <= maxListCount, "\(key): list longer than \(maxListCount)")
        writer.writeUInt16(UInt16(value.count))
        for index in value.indices { try value[index].fields(&self) }
    }

    mutating func extensions(present: Bool) throws -> Bool { present }
}

/// Reads a payload's fields from canonical binary form, refusing anything non-canonical.
struct BinaryFieldReader: FieldCoder {
    var reader: ByteReader
    /// Whether extension blocks are present, when the container says so (a snapshot, whose
    /// payloads are followed by other bytes); nil: present exactly when bytes remain (a record).
    var extensionsPresent: Bool? = nil

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V) throws {
        value = try V.decode(from: &reader)
    }

    mutating func field<V: FieldValue>(_ key: String, _ value: inout V?) throws {
        value = try optional(key)
    }

    /// An optional: tag 0 (absent), or tag 1 and the value.
    @inline(__always)
    mutating func optional<V: FieldValue>(_ key: String) throws(CodecError) -> V? {
        switch try reader.readUInt8() {
        case 0: return nil
        case 1: return try V.decode(from: &reader)
        case let tag: throw CodecError("\(key): optional tag \(tag) is neither 0 nor 1", offset: reader.offset - 1)
        }
    }

    mutating func list<P: Payload>(_ key: String, _ value: inout [P]) throws {
        let count = Int(try reader.readUInt16())
        guard count <= maxListCount else {
            throw CodecError("\(key): list of \(count) over \(maxListCount)", offset: reader.offset - 2)
        }
        value = []
        value.reserveCapacity(count)
        for _ in 0..<count {
            var element = P()
            try element.fields(&self)
            value.append(element)
        }
    }

    mutating func extensions(present: Bool) throws -> Bool {
        extensionsPresent ?? !reader.isAtEnd
    }

    mutating func endExtensions(present: Bool) throws {
        // A snapshot's full parameter set carries the block with every field present.
        guard present || extensionsPresent == false else {
            throw CodecError("an extension block with no field present is not canonical", offset: reader.offset)
        }
    }
}
