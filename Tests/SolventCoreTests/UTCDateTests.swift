import Testing
@testable import SolventCore

/// Log times as UTC dates (UTCDate.swift), against dates computed elsewhere (`date -u -d @SECONDS`).
@Suite struct UTCDateTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (1_584_065_100_000, "2020-03-13T02:05:00Z"),     // the hour of Black Thursday's low
        (1_700_000_000_000, "2023-11-14T22:13:20Z"),
        (951_782_400_000, "2000-02-29T00:00:00Z"),       // a leap day of a century leap year
        (-1, "1969-12-31T23:59:59Z"),                     // floored, not truncated, before 1970
    ])
    func isoOfKnownTimes(ms: Int64, text: String) {
        #expect(UTCDate.iso(TimeMs(ms)) == text)
    }

    @Test func civilDaysRoundTripOverFourCenturies() {
        for days in stride(from: Int64(-146_097), through: 146_097, by: 1) {
            let (y, m, d) = UTCDate.civilFromDays(days)
            #expect(UTCDate.daysFromCivil(year: y, month: m, day: d) == days)
            if days % 50_000 == 0 { #expect((1...12).contains(m) && (1...31).contains(d)) }
        }
    }
}
