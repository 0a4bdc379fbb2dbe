import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Computes a batch's chain hashes on another core while the writer puts records into LMDB.
///
/// The chain is serial (each hash covers the previous one), but hashing and writing are not:
/// record i can be written as soon as hash i − 1 exists. Overlapping the two brings a large
/// batch from "hash time + write time" towards the larger of the two (`solvent bench store`).
final class ChainHasher: @unchecked Sendable {
    /// Below this many records the hand-off costs more than it saves; hash inline instead.
    static let minimumRecords = 256

    private let hashes: UnsafeMutableBufferPointer<Hash32>
    private let done = Atomic<Int>(0)

    /// Starts hashing `batch` after `head` on a background queue.
    init(_ batch: [AppendRecord], after head: Hash32) {
        hashes = .allocate(capacity: max(batch.count, 1))
        hashes.initialize(repeating: .zero)
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var digest = head
            for (index, record) in batch.enumerated() {
                digest = record.bytes.withUnsafeBytes { Hash32.chained(after: digest, bytes: $0) }
                hashes[index] = digest
                done.store(index + 1, ordering: .releasing)
            }
        }
    }

    deinit { hashes.deallocate() }

    /// The hash of record `index` of the batch, waiting for it if needed.
    func hash(_ index: Int) -> Hash32 {
        var spins = 0
        while done.load(ordering: .acquiring) <= index {
            spins += 1
            // Give the hashing thread the core if both share one.
            if spins > 64 { sched_yield(); spins = 0 }
        }
        return hashes[index]
    }
}
