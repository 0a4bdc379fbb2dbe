import SolventCore
import SolventStore
import Testing

/// Large batches are hashed on another core while their records are written; the chain must be
/// exactly the one that appending the same records one by one produces.
@Suite struct ChainHasherTests {
    @Test(arguments: [255, 256, 600])
    func aPipelinedBatchChainsExactlyLikeSingleAppends(count: Int) throws {
        let batch = records(1...Seq(UInt64(count)))
        let pipelined = try withNewLog { log, _ in try log.append(batch) }
        let oneByOne = try withNewLog { log, _ in
            var head: [UInt8] = []
            for record in batch { head = try log.append([record]) }
            guard case .ok(let verified, let verifiedHead) = try log.verifyChain() else {
                Issue.record("chain does not verify")
                return head
            }
            #expect(verified == UInt64(count))
            #expect(verifiedHead == head)
            return head
        }
        #expect(pipelined == oneByOne)
    }
}
