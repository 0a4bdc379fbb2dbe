/// One account's canonical state as a Merkle leaf (docs/FORMAT.md "State roots"): its id, cash
/// and every open position (market, signed qty, open cost), markets sorted by id. A `Payload`, so
/// its binary and JSON forms come from the same field list as every record's.
public struct AccountLeaf: Payload {
    public var account = AccountID.unset
    public var cash = Money.zero
    public var positions: [LeafPosition] = []

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("account", &account)
        try c.field("cash", &cash)
        try c.list("positions", &positions)
    }

    /// Domain tag and version of the leaf encoding, so a leaf cannot be read as anything else.
    public static let tag = Array("SACC".utf8) + [0, 1]

    /// `"SACC" ‖ u16 version 1 ‖ payload encoding`, hashed as a leaf (with its 0x00 prefix).
    public var canonicalBytes: [UInt8] {
        var coder = BinaryFieldWriter(writer: ByteWriter(capacity: 64))
        coder.writer.writeBytes(Self.tag)
        var copy = self
        try! copy.fields(&coder)  // binary writing only reads fields.
        return coder.writer.bytes
    }
}

public struct LeafPosition: Payload {
    public var market = MarketID.unset
    public var qty = Quantity.zero
    public var openCost = Money.zero

    public init() {}
    public mutating func fields<C: FieldCoder>(_ c: inout C) throws {
        try c.field("market", &market)
        try c.field("qty", &qty)
        try c.field("openCost", &openCost)
    }
}
