import SolventBotPolicy
import SolventCore

/// The protocol lines the bot sends and the replies it reads (docs/PROTOCOL.md).
enum BotRequests {
    static let status = #"{"op":"status"}"#

    static func subscribe(from: Seq) -> String {
        JSONWriter.string(.object([
            JSONMember("op", .string("subscribe")),
            JSONMember("from", .number(String(from))),
            JSONMember("kinds", .array(LogView.kinds.map { .string($0) })),
        ]))
    }

    static func account(_ id: AccountID) -> String {
        JSONWriter.string(.object([JSONMember("op", .string("account")), JSONMember("account", .string(id.text))]))
    }

    /// The idempotency key of the bid decided on `auction` right after record `seq`: the same
    /// decision sent again (a retry, a restarted bot reading the same records) carries the same
    /// key, so the daemon answers it once (`key_reused` if the bid differs) and never fills twice.
    static func key(account: AccountID, auction: Seq, seq: Seq) -> String {
        "bot-\(account.text)-\(auction)-\(seq)"
    }

    /// An `auction.bid` append stamped at `timeMs`, the log time the bot priced it at: the engine
    /// then fills it at that very curve price, or refuses it `time_regression` if the log moved on.
    static func append(_ bid: AuctionBid, key: String, timeMs: TimeMs) -> String {
        guard case .object(let fields) = RecordJSON.json(payload: bid) else { preconditionFailure("a payload is an object") }
        let event = JSONValue.object([JSONMember("kind", .string("auction.bid")), JSONMember("time", .number(String(timeMs)))] + fields)
        return JSONWriter.string(.object([
            JSONMember("op", .string("append")), JSONMember("key", .string(key)), JSONMember("event", event),
        ]))
    }

    /// The seq of the last record the bot will see about an accepted bid: its own `auction.bid`
    /// or, after it, the last `auction.*` record it derived (a fill, a rejection, an end).
    static func lastAuctionSeq(ofReply reply: JSONValue) -> Seq? {
        guard case .number(let seqText)? = reply["seq"], var last = Seq(seqText) else { return nil }
        if case .array(let derived)? = reply["derived"] {
            for record in derived {
                guard case .number(let text)? = record["seq"], let seq = Seq(text),
                      case .string(let kind)? = record["kind"], kind.hasPrefix("auction.") else { continue }
                last = max(last, seq)
            }
        }
        return last
    }

    /// The log's last time named by a `time_regression` refusal ("time T is before the log's last
    /// time L", Journal.swift), nil when the message does not end with it.
    static func lastTime(inRefusal message: String) -> TimeMs? {
        guard message.contains("last time "), let last = message.split(separator: " ").last else { return nil }
        return Int64(last).map { TimeMs($0) }
    }

    /// `(code, message)` of a refusal line, nil when the line is not one.
    static func refusal(_ reply: JSONValue) -> (code: String, message: String)? {
        guard reply["ok"] == .bool(false) else { return nil }
        guard case .string(let code)? = reply["error"]?["code"] else { return ("unknown", "a refusal without a code") }
        if case .string(let message)? = reply["error"]?["message"] { return (code, message) }
        return (code, "")
    }
}
