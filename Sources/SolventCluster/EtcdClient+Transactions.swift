extension EtcdClient {
    /// A txn: if `key` does not exist (create_revision == 0), put it with `lease`. Returns whether
    /// it was created, the revision of the txn (the new key's createRevision when created), and
    /// the key as it is now.
    ///
    /// The key is read back in the same txn either way, so `current` is the holder at `revision`
    /// with no window for another candidate between the compare and the read.
    public func createIfAbsent(_ key: String, _ value: String, lease: Int64) async throws -> (created: Bool, revision: Int64, current: EtcdKeyValue?) {
        let read = RequestOp(requestRange: .one(key))
        let request = TxnRequest(
            compare: [Compare(key: GatewayBytes(key), createRevision: GatewayInt64(0))],
            success: [RequestOp(requestPut: PutRequest(key: GatewayBytes(key), value: GatewayBytes(value), lease: GatewayInt64(lease))), read],
            failure: [read]
        )
        let response: TxnResponse = try await call("/v3/kv/txn", request, lease: lease)
        let created = response.succeeded ?? false
        let reads = response.responses ?? []
        guard reads.count == (created ? 2 : 1), let range = reads.last?.responseRange else {
            throw EtcdError.malformed("the create txn answered \(reads.count) responses")
        }
        return (created, try revision(response.header, of: "txn"), try range.kvs?.first?.keyValue())
    }

    /// A txn: delete `key` only if its create_revision is `createRevision` (a leader resigning its
    /// own key, never a successor's). Returns whether deleted.
    public func deleteIf(_ key: String, createRevision: Int64) async throws -> Bool {
        let request = TxnRequest(
            compare: [Compare(key: GatewayBytes(key), createRevision: GatewayInt64(createRevision))],
            success: [RequestOp(requestDeleteRange: DeleteRangeRequest(key: GatewayBytes(key)))],
            failure: []
        )
        let response: TxnResponse = try await call("/v3/kv/txn", request)
        guard response.succeeded ?? false else { return false }
        return (response.responses?.first?.responseDeleteRange?.deleted?.value ?? 0) > 0
    }
}
