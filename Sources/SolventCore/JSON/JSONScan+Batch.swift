/// The batch append's shape (docs/PROTOCOL.md "Batches"): an object of leaf members and one
/// array of flat objects, `{"op":"append","key":…,"events":[{…},{…}]}`, scanned as the single
/// append is, without a tree. Like `object`, a filter: nil for anything else, and the caller
/// then runs `JSONParser`, whose errors are the only ones a client sees.
extension JSONScan {
    /// Scans `bytes` as one object whose members are leaves, but for the member named `array`:
    /// an array of objects whose values are leaves. `outer` gets the leaf members, `elements`
    /// each array element's byte range (braces included), in order.
    public static func batch(_ bytes: UnsafeBufferPointer<UInt8>, array name: StaticString, outer: inout [ScannedMember],
                             elements: inout [Range<Int>]) -> Bool {
        var scan = JSONScan(bytes: bytes, index: 0)
        outer.removeAll(keepingCapacity: true)
        elements.removeAll(keepingCapacity: true)
        scan.skipSpace()
        guard scan.batchMembers(array: name, outer: &outer, elements: &elements) else { return false }
        scan.skipSpace()
        return scan.index == bytes.count
    }

    private mutating func batchMembers(array name: StaticString, outer: inout [ScannedMember], elements: inout [Range<Int>]) -> Bool {
        guard current == UInt8(ascii: "{") else { return false }
        index += 1
        var sawArray = false
        var unused: [ScannedMember] = []
        while true {
            skipSpace()
            guard let key = string() else { return false }
            guard !outer.contains(where: { $0.key.count == key.count && bytes[$0.key].elementsEqual(bytes[key]) }) else { return false }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return false }
            index += 1
            skipSpace()
            if current == UInt8(ascii: "[") {
                // The one array, under `name` (a second, or another name: JSONParser decides).
                let member = ScannedMember(key: key, kind: .null, value: key)
                guard !sawArray, Self.key(member, is: name, in: bytes), objects(into: &elements) else { return false }
                sawArray = true
            } else {
                guard let (kind, value) = leafOrObject(nested: &unused, depth: 1) else { return false }
                outer.append(ScannedMember(key: key, kind: kind, value: value))
            }
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return sawArray
            default: return false
            }
        }
    }

    /// `[ {…}, {…} ]` of flat objects (values leaves): each element's range.
    private mutating func objects(into elements: inout [Range<Int>]) -> Bool {
        index += 1  // "["
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return true
        }
        var scratch: [ScannedMember] = []
        var nested: [ScannedMember] = []
        while true {
            skipSpace()
            let start = index
            scratch.removeAll(keepingCapacity: true)
            guard members(into: &scratch, nested: &nested, depth: 1) else { return false }
            elements.append(start..<index)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return true
            default: return false
            }
        }
    }
}
