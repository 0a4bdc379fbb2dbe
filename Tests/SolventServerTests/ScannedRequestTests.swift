import Foundation
import SolventCore
import SolventProtocol
import SolventRandom
import Testing

/// The fast scan of plain appends (`Request.scannedAppend`) against the JSON tree path: it may
/// decline anything, but what it accepts the tree must accept as the same append, and every
/// refusal is the tree's (a line the tree refuses is never taken by the scan).
@Suite struct ScannedRequestTests {
    /// nil when the scan declined; else whether it agrees with the tree path.
    private func agreement(_ line: [UInt8]) -> Bool? {
        guard let fast = line.withUnsafeBufferPointer({ Request.scannedAppend($0) }) else { return nil }
        guard case .append(let key, let time, let event) = fast,
              case .append(let treeKey, let treeTime, let treeEvent)? = try? Request.parseTree(line: line) else { return false }
        return key == treeKey && time == treeTime && event == treeEvent
    }

    private func scenarioRequests() throws -> [[UInt8]] {
        try ["basic", "liquidation"].flatMap { try scenario($0) }.enumerated().map { index, event in
            Array(appendRequest(key: "k\(index)", event: event).utf8)
        }
    }

    @Test func plainAppendsTakeTheScanAndReadAsTheTreeReadsThem() throws {
        let requests = try scenarioRequests()
        var scanned = 0
        for line in requests {
            let result = agreement(line)
            #expect(result != false, "\(String(decoding: line, as: UTF8.self))")
            if result == true { scanned += 1 }
        }
        // Only market listings (their tiers are a list) are left to the tree.
        let listings = requests.filter { String(decoding: $0, as: UTF8.self).contains("market.listed") }.count
        #expect(scanned == requests.count - listings)
        // Spacing, member order, extra top-level members, explicit nulls: still the scan, still equal.
        let variants = [
            #" { "event" : { "amount" : "5" , "ref" : null , "account" : "a" , "kind" : "deposit" } , "key" : "k" , "op" : "append" } "#,
            #"{"op":"append","key":"k","extra":[1,{"x":2}],"event":{"kind":"deposit","time":7,"account":"a","amount":5}}"#,
            #"{"op":"append","key":"k","event":{"kind":"deposit","time":null,"account":"a","amount":"0.00000001"}}"#,
        ]
        #expect(agreement(Array(variants[0].utf8)) == true)
        #expect(agreement(Array(variants[1].utf8)) == nil)  // The array sends it to the tree.
        #expect(agreement(Array(variants[2].utf8)) == true)
    }

    @Test func everyBadInputCaseIsLeftToTheTreeOrReadAlike() throws {
        for badCase in try BadInputCorpus.load() {
            let line = badCase.socketLine
            #expect(agreement(line) != false, "\(badCase.name)")
            if (try? Request.parseTree(line: line)) == nil {
                #expect(agreement(line) == nil, "\(badCase.name): the scan took a line the tree refuses")
            }
        }
    }

    @Test func mutatedLinesNeverMakeTheScanDisagree() throws {
        let requests = try scenarioRequests()
        let alphabet = Array(#"{}[]":,.-+0123456789eEtrufalsn \"#.utf8) + [0x09, 0x0A, 0x5C, 0xC3, 0x00, 0x7F]
        var random = SplitMix64(seed: 6)
        var taken = 0
        for _ in 0..<20_000 {
            var line = requests[Int(random.below(UInt64(requests.count)))]
            for _ in 0...random.below(3) {
                let position = Int(random.below(UInt64(line.count)))
                switch random.below(3) {
                case 0: line[position] = alphabet[Int(random.below(UInt64(alphabet.count)))]
                case 1: line.remove(at: position)
                default: line.insert(alphabet[Int(random.below(UInt64(alphabet.count)))], at: position)
                }
            }
            let result = agreement(line)
            #expect(result != false, "\(String(decoding: line, as: UTF8.self))")
            if result == true { taken += 1 }
        }
        #expect(taken > 1_000)  // Many mutants stay valid (a digit for a digit) and are scanned.
    }
}
