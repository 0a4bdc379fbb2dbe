import Logging
import SolventCore
import SolventProtocol
import SolventStore

/// Brings the board up to date and keeps it there: first every record the log holds (read-only
/// LMDB transactions, a chunk at a time), then, with a socket, the daemon's `subscribe` from the
/// next seq, reconnecting with backoff whenever the daemon goes away and resuming after the last
/// seq read. Without a socket the board shows the log as it stands.
public struct LogFollower: Sendable {
    public let log: EventLog
    public let board: RiskBoard
    public let socketPath: String?
    public let logger: Logger
    public var retryInitialMs: Int64 = 100
    public var retryMaxMs: Int64 = 2_000

    public init(log: EventLog, board: RiskBoard, socketPath: String?, logger: Logger) {
        self.log = log
        self.board = board
        self.socketPath = socketPath
        self.logger = logger
    }

    /// Reads what the log holds after the board's last seq, in chunks of `chunk` records.
    public func catchUpFromLog(chunk: Int = 10_000) throws {
        while true {
            let from = board.lastSeqSeen + 1
            var records: [Record] = []
            records.reserveCapacity(chunk)
            try log.read { reader in
                try reader.forEach(from: from) { stored in
                    records.append(try RecordCodec.decode(stored.bytes))
                    return records.count < chunk
                }
            }
            if records.isEmpty { return }
            board.apply(records)
        }
    }

    /// Follows the daemon until cancelled.
    public func run() async {
        guard let socketPath else { return }
        var backoffMs = retryInitialMs
        // The first failure of a stretch is a warning; its retries are debug, so a daemon that is
        // away for an hour does not fill the log, and the reconnection says how long it took.
        var failures = 0
        while !Task.isCancelled {
            do {
                try await follow(socketPath) {
                    if failures > 0 { logger.info("reconnected after \(failures) failed attempts") }
                    failures = 0
                    backoffMs = retryInitialMs
                }
                logger.warning("subscription closed by the daemon; reconnecting in \(backoffMs) ms")
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                failures += 1
                let line: Logger.Message = "daemon unreachable (\(error)); reconnecting in \(backoffMs) ms from seq \(board.lastSeqSeen + 1)"
                if failures == 1 { logger.warning(line) } else { logger.debug(line) }
            }
            board.setLive(false)
            do { try await Task.sleep(for: .milliseconds(backoffMs)) } catch { break }
            backoffMs = min(backoffMs * 2, retryMaxMs)
            // Whatever was committed while the daemon was away is in the log already.
            do { try catchUpFromLog() } catch { logger.warning("reading the log: \(error)") }
        }
        board.setLive(false)
    }

    private func follow(_ socketPath: String, connected: () -> Void) async throws {
        try await LineClient.withConnection(socketPath: socketPath) { stream in
            let from = board.lastSeqSeen + 1
            let request = JSONWriter.string(.object([
                JSONMember("op", .string("subscribe")), JSONMember("from", .number(String(from))),
            ]))
            try await stream.send(raw: Array((request + "\n").utf8))
            connected()
            board.setLive(true)
            logger.info("subscribed from=\(from)")
            while let line = try await stream.receive() {
                board.apply([try Self.record(line)])
            }
        }
    }

    static func record(_ line: String) throws -> Record {
        let json: JSONValue
        do { json = try JSONParser.parse(line) } catch { throw FollowError("unreadable line from the daemon: \(error)") }
        if json["ok"] == .bool(false) {
            throw FollowError("subscription refused: \(JSONWriter.string(json))")
        }
        do { return try RecordJSON.record(json) } catch { throw FollowError("unreadable record: \(error)") }
    }
}

struct FollowError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
