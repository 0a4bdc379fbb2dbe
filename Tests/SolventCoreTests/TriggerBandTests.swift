import Testing
@testable import SolventCore

/// The trigger index keeps `clamped(band(…))`; `storedBand` finds it by a cheap bound when it can.
@Suite struct TriggerBandTests {
    @Test(arguments: ["30000", "1.5", "0.00000002", "91000000000"])
    func cheapBandEqualsTheSolvedBandClamped(markText: String) {
        var driver = LedgerDriver()
        driver.send(listed("M"))
        driver.send(oracle("M", markText))
        var random = SplitMix64(seed: 11)
        let mark = price(markText)
        var answered = 0
        for _ in 0..<20_000 {
            let lots = random.int(1...1_000_000) * (random.chance(50) ? 1 : -1)
            let size = Quantity(raw: lots * 100_000 / (random.chance(20) ? 1_000 : 1))
            let cash = Money(raw: random.int(-1_000_000_000...Int64(1) << random.int(20...62)))
            let solved = Ledger.clamped(driver.ledger.band(qty: size, cash: cash, market: 0, inCall: false), mark: mark)
            let stored = driver.ledger.storedBand(qty: size, cash: cash, market: 0, inCall: false)
            #expect(stored == solved, "qty \(size) cash \(cash) mark \(mark)")
            if driver.ledger.farBand(qty: size, cash: cash, market: 0) != nil { answered += 1 }
        }
        #expect(answered > 0 || mark.raw > Int64.max / 4, "a mark that large is never clamped")
    }

    @Test func farTriggersArePulledInToTheOctaveAroundTheMark() {
        let mark = Price(raw: 3_000_000_000_000)
        let octaves = Ledger.farOctaves(mark.raw)
        #expect(octaves.above == 1 << 43 && octaves.below == 1 << 40)
        let band = Ledger.clamped((Price(raw: 1), Price(raw: .max)), mark: mark)
        #expect(band.fallingTo == Price(raw: 1 << 40) && band.risingTo == Price(raw: 1 << 43))
        let near = (Price(raw: mark.raw - 1), Price(raw: mark.raw + 1))
        #expect(Ledger.clamped(near, mark: mark) == near)
    }
}
