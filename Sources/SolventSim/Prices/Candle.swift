import SolventCore

/// One recorded OHLC candle of a price fixture (Fixtures/prices/README.md): open time in Unix ms
/// and the four prices exactly as the source printed them (parsed, never rounded).
public struct Candle: Equatable, Sendable {
    public var openTimeMs: TimeMs
    public var open: Price
    public var high: Price
    public var low: Price
    public var close: Price

    public init(openTimeMs: TimeMs, open: Price, high: Price, low: Price, close: Price) {
        self.openTimeMs = openTimeMs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
    }
}

/// A refusal to read a price file, naming the line and the reason.
public struct PriceFileError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Reads the common fixture format `ts_utc,open,high,low,close,volume` (volume is ignored).
public enum CandleCSV {
    public static let header = "ts_utc,open,high,low,close,volume"

    public static func parse(_ text: String) throws(PriceFileError) -> [Candle] {
        var candles: [Candle] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            if lineNumber == 1 {
                guard line == header else { throw PriceFileError(line: 1, message: "expected the header \(header)") }
                continue
            }
            let candle = try parseRow(line, line: lineNumber)
            if let last = candles.last, candle.openTimeMs <= last.openTimeMs {
                throw PriceFileError(line: lineNumber, message: "ts_utc does not increase")
            }
            candles.append(candle)
        }
        guard candles.count >= 1 else { throw PriceFileError(line: lineNumber, message: "no candles") }
        return candles
    }

    private static func parseRow(_ line: Substring, line number: Int) throws(PriceFileError) -> Candle {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 6 else { throw PriceFileError(line: number, message: "expected 6 fields, found \(fields.count)") }
        guard let time = UTCTime.parseMs(fields[0]) else {
            throw PriceFileError(line: number, message: "ts_utc \(fields[0]) is not YYYY-MM-DDTHH:MM:SSZ")
        }
        var prices: [Price] = []
        for (index, name) in ["open", "high", "low", "close"].enumerated() {
            let text = fields[index + 1]
            do {
                let price = try Price(parsing: text, allowNegative: false)
                guard price.isPositive else { throw PriceFileError(line: number, message: "\(name) must be positive") }
                prices.append(price)
            } catch let error as PriceFileError {
                throw error
            } catch {
                throw PriceFileError(line: number, message: "\(name) \(text): \(error)")
            }
        }
        return Candle(openTimeMs: time, open: prices[0], high: prices[1], low: prices[2], close: prices[3])
    }
}

/// ISO-8601 UTC timestamps without Foundation's calendar (days from civil date: Howard Hinnant,
/// "chrono-compatible low-level date algorithms").
public enum UTCTime {
    public static func parseMs(_ text: Substring) -> TimeMs? {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                guard (48...57).contains(b[i]) else { return nil }
                value = value * 10 + Int64(b[i] - 48)
            }
            return value
        }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10),
              let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60 else { return nil }
        let days = UTCDate.daysFromCivil(year: y, month: mo, day: d)
        let ms: Int64 = ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000
        return TimeMs(ms)
    }

    /// `yyyy-mm-ddThh:mm:ssZ` (UTCDate.swift).
    public static func format(ms: TimeMs) -> String { UTCDate.iso(ms) }
}
