import Foundation
import SolventCore
import SolventStore
import Testing

@Suite struct ReaderIsolationTests {
    /// LMDB MVCC: an open reader keeps its snapshot while the writer commits, and is not blocked.
    @Test func openReaderSeesItsPrefixWhileAnotherThreadAppends() throws {
        try withNewLog { log, _ in
            try log.append(records(1...10))
            let appendError = Box<(any Error)?>(nil)
            try log.read { reader in
                #expect(reader.lastSeq == 10)
                let done = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    do { try log.append(records(11...25)) } catch { appendError.value = error }
                    done.signal()
                }
                done.wait()
                #expect(log.lastSeq == 25)  // committed while this reader is open
                #expect(reader.lastSeq == 10)
                #expect(try reader.record(11) == nil)
                var count = 0
                try reader.forEachBorrowed { _ in count += 1; return true }
                #expect(count == 10)
            }
            #expect(appendError.value == nil)
            #expect(try log.read { $0.lastSeq } == 25)
            #expect(try log.read { try $0.record(25)?.bytes.elementsEqual(recordBytes(25)) } == true)
        }
    }
}
