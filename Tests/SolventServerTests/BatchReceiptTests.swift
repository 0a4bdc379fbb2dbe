import SolventCore
import SolventProtocol
@testable import SolventServer
import Testing

/// A batch's receipt reads back as the reply it was made from.
@Suite struct BatchReceiptTests {
    /// An oracle price that derives more than 65,535 records (a venue's crash) fits the receipt.
    @Test func resultsRoundTripSeventyThousandDerivedRecordsIncluded() throws {
        let derived = (1...70_000).map { DerivedRef(seq: Seq(UInt64(10 + $0)), kind: .marginCall) }
        let results: [BatchResult] = [
            .appended(seq: 10, derived: derived),
            .refused(InputError(code: "bad_amount", field: "amount", message: "must be positive")),
            .appended(seq: 70_011, derived: []),
        ]
        #expect(try BatchReceipt.decode(BatchReceipt.encode(results)) == results)
    }

    @Test func aReceiptCutShortIsAnErrorNotATrap() {
        let bytes = BatchReceipt.encode([.appended(seq: 1, derived: [DerivedRef(seq: 2, kind: .marginCall)])])
        for length in 0..<bytes.count {
            #expect(throws: CodecError.self) { try BatchReceipt.decode(Array(bytes.prefix(length))) }
        }
    }
}
