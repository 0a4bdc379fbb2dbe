import Foundation
import SolventCore
import SolventSim
import Testing

@Suite struct PricePathTests {
    @Test func fixturesParseWithTheirRecordedRowCountsAndTicks() throws {
        let expected: [(String, Int, String)] = [
            ("btcusdt-2020-03-12-5m-binance-spot-partial.csv", 255, "0.01"),
            ("btcusdt-2021-05-19-1m-binance-spot.csv", 4121, "0.01"),
            ("btcusdt-perp-2020-03-12-1h-binance-usdm.csv", 48, "0.01"),
            ("ethusdt-2020-03-12-5m-binance-spot.csv", 576, "0.01"),
            ("lunausdt-2022-05-07-1m-binance-spot.csv", 8680, "0.00001"),
        ]
        for (name, rows, tick) in expected {
            let path = PricePath(candles: try SimSupport.candles(name))
            #expect(path.candles.count == rows, "\(name)")
            #expect(path.tickSize.description == tick, "\(name)")
            #expect(path.points.count == rows * 4)
        }
    }

    @Test func candlePointsFollowTheBarsDirectionAndHoldUntilTheNext() throws {
        let text = "ts_utc,open,high,low,close,volume\n2020-03-12T00:00:00Z,100,110,90,95,1\n2020-03-12T00:01:00Z,95,99,94,98,1\n"
        let path = PricePath(candles: try CandleCSV.parse(text))
        #expect(path.resolutionMs == 60_000)
        #expect(path.startMs == 1_583_971_200_000)
        #expect(path.points.map(\.price.description) == ["100", "110", "90", "95", "95", "94", "99", "98"])
        var cursor = path.cursor()
        #expect(cursor.price(at: path.startMs + 14_999).description == "100")
        #expect(cursor.price(at: path.startMs + 15_000).description == "110")
        #expect(cursor.price(at: path.startMs + 200_000).description == "98")
    }

    @Test func badRowsAreRefusedNamingTheLine() throws {
        let cases = [
            ("ts_utc,open,high,low,close,volume\n2020-03-12T00:00:00Z,100,110,90\n", "line 2: expected 6 fields"),
            ("ts_utc,open,high,low,close,volume\n2020-03-12 00:00,100,110,90,95,1\n", "line 2: ts_utc"),
            ("ts_utc,open,high,low,close,volume\n2020-03-12T00:00:00Z,100,1e3,90,95,1\n", "line 2: high"),
            ("ts_utc,open,high,low,close,volume\n2020-03-12T00:01:00Z,1,1,1,1,1\n2020-03-12T00:00:00Z,1,1,1,1,1\n", "line 3: ts_utc does not increase"),
            ("time,o,h,l,c\n", "line 1: expected the header"),
        ]
        for (text, message) in cases {
            #expect(throws: PriceFileError.self) { try CandleCSV.parse(text) }
            do { _ = try CandleCSV.parse(text) } catch { #expect(error.description.hasPrefix(message), "\(error)") }
        }
    }

    @Test func utcTimesRoundTrip() {
        #expect(UTCTime.parseMs("1970-01-01T00:00:00Z") == 0)
        #expect(UTCTime.parseMs("2022-05-13T00:39:00Z").map { UTCTime.format(ms: $0) } == "2022-05-13T00:39:00Z")
        #expect(UTCTime.parseMs("2020-13-01T00:00:00Z") == nil)
    }
}
