import SolventCore

/// `replay --json` (SPEC §9): `{"liquidation","account","trigger","verdict","firstMismatchSeq",
/// "inputs":{…},"records":[…]}` plus the mismatch, formulas, money, chart series and what-if.
public enum ReportJSON {
    public static func json(_ replay: LiquidationReplay, explanation: Explanation, whatIf: WhatIf? = nil) -> JSONValue {
        let s = replay.life.started
        var members = [
            JSONMember("liquidation", .number(String(s.liquidation))),
            JSONMember("account", .string(s.account.text)),
            JSONMember("trigger", .string(s.trigger.rawValue)),
            JSONMember("verdict", .string(replay.verdict)),
            JSONMember("rules", .number(String(replay.rules.rawValue))),
            JSONMember("firstMismatchSeq", replay.mismatch.map { .number(String($0.seq)) } ?? .null),
            JSONMember("inputs", inputs(replay)),
            JSONMember("records", .array(replay.records.map(record))),
        ]
        if let mismatch = replay.mismatch {
            members.append(JSONMember("mismatch", .object([
                JSONMember("seq", .number(String(mismatch.seq))), JSONMember("reason", .string(mismatch.reason)),
                JSONMember("derived", mismatch.expected.map(RecordJSON.json) ?? .null),
                JSONMember("log", mismatch.actual.map(RecordJSON.json) ?? .null),
            ])))
        }
        members.append(JSONMember("replayedFrom", .number(String(replay.startSeq))))
        members.append(JSONMember("formulas", .array(explanation.formulas.map { f in
            .object([JSONMember("name", .string(f.name)), JSONMember("formula", .string(f.formula)),
                     JSONMember("numbers", .string(f.numbers)), JSONMember("result", .string(f.result))])
        })))
        members.append(JSONMember("series", .array(Downsample.points(replay.series, max: 500).map(point))))
        if let whatIf { members.append(JSONMember("whatIf", json(whatIf))) }
        return .object(members)
    }

    static func inputs(_ replay: LiquidationReplay) -> JSONValue {
        var members: [JSONMember] = []
        guard case .object(let started) = RecordJSON.json(payload: replay.life.started) else { return .null }
        members += started.filter { ["equity", "mm", "im", "paramsVersion", "positions", "market", "qty"].contains($0.key) }
        members.append(JSONMember("params", RecordJSON.json(payload: ParamsSet(full: replay.params, rules: replay.rules))))
        members.append(JSONMember("tiers", .array((replay.listing?.tiers ?? []).map { RecordJSON.json(payload: $0) })))
        members.append(JSONMember("before", replay.before?.json ?? .null))
        members.append(JSONMember("after", replay.after?.json ?? .null))
        members.append(JSONMember("marginCall", replay.life.marginCall.map(RecordJSON.json) ?? .null))
        members.append(JSONMember("cause", .number(String(replay.life.startedRecord.cause ?? 0))))
        return .object(members)
    }

    static func record(_ pair: RecordPair) -> JSONValue {
        .object([
            JSONMember("seq", .number(String(pair.seq))),
            JSONMember("kind", .string((pair.log ?? pair.derived)?.kind.name ?? "?")),
            JSONMember("match", .bool(pair.matches)),
            JSONMember("log", pair.log.map(RecordJSON.json) ?? .null),
            JSONMember("derived", pair.derived.map(RecordJSON.json) ?? .null),
        ])
    }

    static func point(_ p: SeriesPoint) -> JSONValue {
        let price: (Price?) -> JSONValue = { $0.map { .string($0.description) } ?? .null }
        return .object([
            JSONMember("seq", .number(String(p.seq))), JSONMember("time", .number(String(p.time))),
            JSONMember("mark", price(p.mark)), JSONMember("equity", .string(p.equity.description)),
            JSONMember("mm", .string(p.mm.description)), JSONMember("liquidationPrice", price(p.liquidationPrice)),
            JSONMember("bankruptcyPrice", price(p.bankruptcyPrice)), JSONMember("qty", .string(p.qty.description)),
        ])
    }

    public static func json(_ whatIf: WhatIf) -> JSONValue {
        .object([
            JSONMember("params", RecordJSON.json(payload: whatIf.overlay)),
            JSONMember("sameParameters", .bool(whatIf.sameParameters)),
            JSONMember("differs", .bool(whatIf.differs)),
            JSONMember("skippedInputs", .number(String(whatIf.skippedInputs))),
            JSONMember("original", outcome(whatIf.original)),
            JSONMember("whatIf", outcome(whatIf.alternative)),
        ])
    }

    static func outcome(_ o: Outcome) -> JSONValue {
        .object(o.rows.map { JSONMember($0.0, .string($0.1)) })
    }
}

/// Keeps at most `max` points, evenly spaced, always the first and last.
enum Downsample {
    static func points<T>(_ all: [T], max: Int) -> [T] {
        guard all.count > max, max >= 2 else { return all }
        return (0..<max).map { all[$0 * (all.count - 1) / (max - 1)] }
    }
}
