/// What the server stores beside a batch append's key so that a retry of the key gets the same
/// reply (the refusals of the batch's events are in no record): opaque bytes to the store,
/// encoded and read by the server (docs/FORMAT.md "receipts").
public struct RequestReceipt: Sendable, Equatable {
    public var key: String
    public var bytes: [UInt8]

    public init(key: String, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
    }
}
