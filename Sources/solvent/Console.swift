import Foundation

/// Buffered standard output: `print` per line is too slow for logs of millions of records.
struct StandardOutput {
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 16

    init() { buffer.reserveCapacity(Self.flushThreshold + 4096) }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushThreshold { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        writeStandardOutput(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes `bytes` to standard output. A reader that went away (`solvent tail | head`) ends the
/// process quietly with status 0, as a pipeline expects, where `FileHandle.write` crashed on the
/// EPIPE (SIGPIPE is ignored in this process: NIO ignores it); any other write error is named
/// and exits 1.
func writeStandardOutput(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
        if written >= 0 {
            offset += written
            continue
        }
        if errno == EINTR { continue }
        if errno == EPIPE { exit(0) }
        printError("standard output: \(String(cString: strerror(errno)))")
        exit(1)
    }
}

/// Messages for people go to standard error, so standard output stays machine-readable.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("solvent: " + message + "\n").utf8))
}

/// A refusal the CLI reports and exits non-zero on, without a stack of wrapping.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A progress line on a terminal (standard error), silent when it is not a TTY.
struct Progress {
    let label: String
    let total: UInt64
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastPercent = -1

    init(_ label: String, total: UInt64) {
        self.label = label
        self.total = max(total, 1)
    }

    mutating func update(_ done: UInt64) {
        guard enabled else { return }
        let percent = Int(done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% (\(done)/\(total))".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Reads a whole file, or standard input for `-`.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure(message: "cannot read \(path)")
    }
    return Array(data)
}

/// Splits NDJSON into (line number, bytes), skipping blank lines.
func ndjsonLines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
    var lines: [(Int, ArraySlice<UInt8>)] = []
    var number = 0
    for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        number += 1
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
        lines.append((number, line))
    }
    return lines
}

/// Milliseconds since the Unix epoch, for metadata only (never for events offline).
func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// Lowercase hex, for hashes.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
