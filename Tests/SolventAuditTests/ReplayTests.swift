import Foundation
import SolventAudit
import SolventCore
import SolventStore
import SolventTestSupport
import Testing

/// `solvent replay` on Fixtures/scenarios/liquidation.ndjson and on generated histories.
@Suite struct ReplayTests {
    static let scenario = "Fixtures/scenarios/liquidation.ndjson"

    @Test func theListShowsBothLiquidationsOfTheScenarioWithTheirOutcomes() throws {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(Self.scenario))
            let list = try LiquidationSummary.all(in: try AuditLog(directory: directory))
            #expect(list.map(\.liquidation) == [12, 24])
            #expect(list.map(\.account.text) == ["alice", "carol"])
            #expect(list.map(\.outcome) == ["partial", "adl"])
            #expect(list[0].notional == money("4515"))  // 0.5 × 9,030
            let carolOnly = try LiquidationSummary.all(in: try AuditLog(directory: directory), account: id("carol"))
            #expect(carolOnly.map(\.liquidation) == [24])
        }
    }

    @Test func alicesPartialLiquidationReproducesEveryRecordOfItsLife() throws {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(Self.scenario))
            let replay = try LiquidationReplay.run(12, in: try AuditLog(directory: directory))
            #expect(replay.verdict == "reproduced")
            #expect(replay.records.map(\.seq) == Array(12...21))
            #expect(replay.records.allSatisfy { $0.matches })
            #expect(replay.records.compactMap(\.log).map(\.kind.name) == [
                "liquidation.started", "auction.started", "auction.bid", "auction.bid.rejected", "auction.bid",
                "auction.fill", "auction.bid", "auction.fill", "auction.ended", "liquidation.finished"])
            #expect(replay.before?.equity == money("1000"))
            #expect(replay.paramsVersion == 2)
            #expect(replay.params.minFee == rate("0.001"))
            let explanation = Explanation(replay)
            #expect(explanation.formulas.contains { $0.name == "equity" && $0.numbers == "-9000 + 9030" && $0.result == "30" })
            #expect(explanation.formulas.contains { $0.name == "auction start" && $0.result == "9210.6" })
        }
    }

    @Test func carolsLiquidationEndsInADLOfAliceAndDave() throws {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(Self.scenario))
            let replay = try LiquidationReplay.run(24, in: try AuditLog(directory: directory))
            #expect(replay.verdict == "reproduced")
            let adl = replay.records.compactMap(\.log).compactMap { if case .adl(let p) = $0.event { p.account.text } else { nil } }
            #expect(adl == ["alice", "dave"])
            let json = JSONWriter.string(ReportJSON.json(replay, explanation: Explanation(replay)))
            let parsed = try JSONParser.parse(json)
            #expect(parsed["verdict"] == .string("reproduced"))
            #expect(parsed["firstMismatchSeq"] == .null)
            #expect(parsed["liquidation"] == .number("24"))
            #expect(parsed["inputs"]?["mm"] == .string("44.04"))
        }
    }

    @Test func anIdThatIsNotALiquidationStartIsRefusedWithTheRule() throws {
        try withTemporaryDirectory { directory in
            try makeLog(directory, inputs: try scenarioInputs(Self.scenario))
            #expect(throws: AuditError.self) { try LiquidationReplay.run(13, in: try AuditLog(directory: directory)) }
        }
    }

    /// A forger changes the oracle price that caused alice's liquidation (9,030 → 9,020) and
    /// rebuilds a valid hash chain over the altered log: the chain verifies, the re-derivation
    /// does not — the liquidation.started the engine derives no longer matches the stored one.
    @Test func anAlteredInputBehindARebuiltChainIsAMismatch() throws {
        try withTemporaryDirectory { directory in
            let journal = try makeLog(directory, inputs: try scenarioInputs(Self.scenario))
            var records = try allRecords(journal.log)
            guard case .oraclePrice(var tick) = records[10].event else { Issue.record("seq 11 is not the tick"); return }
            tick.price = price("9020")
            records[10].event = .oraclePrice(tick)
            try withTemporaryDirectory { forged in
                try EventLog.create(directory: forged, createdTimeMs: 0)
                let log = try EventLog(directory: forged)
                try log.append(records.map { AppendRecord(seq: $0.seq, time: $0.time, bytes: RecordCodec.encode($0)) })
                guard case .ok = try log.verifyChain() else { Issue.record("the forged chain should verify"); return }
                let replay = try LiquidationReplay.run(12, in: AuditLog(log: log))
                #expect(replay.verdict == "mismatch")
                #expect(replay.mismatch?.seq == 12)
                #expect(replay.records.first?.matches == false)
            }
        }
    }

    /// Every liquidation in generated engine histories (the property tests' generator, with a
    /// snapshot and a state root every 64 records) replays to `reproduced`.
    @Test(arguments: UInt64(1)...8)
    func everyLiquidationInAGeneratedHistoryReproduces(seed: UInt64) throws {
        try withTemporaryDirectory { directory in
            try GeneratedLog.write(seed: seed, events: 300, directory: directory, snapshotEvery: 64)
            let log = try AuditLog(directory: directory)
            let liquidations = try LiquidationSummary.all(in: log)
            #expect(!liquidations.isEmpty, "seed \(seed) liquidated nobody")
            for item in liquidations {
                let replay = try LiquidationReplay.run(item.liquidation, in: log)
                #expect(replay.verdict == "reproduced", "seed \(seed) liquidation \(item.liquidation): \(String(describing: replay.mismatch))")
                #expect(!replay.records.isEmpty && replay.records.allSatisfy { $0.matches })
            }
        }
    }
}

/// Writes an `EngineHistoryGenerator` history through the real write path. The inputs are drawn
/// against an in-memory ledger driven by `Ledger.process` with the log's state-root rule — the
/// write path's own function, so the seqs (and the auction ids bids name) are the log's — then
/// appended 25 at a time (a few fsyncs, and snapshots between batches).
enum GeneratedLog {
    static func write(seed: UInt64, events: Int, directory: String, snapshotEvery: UInt64) throws {
        try EventLog.create(directory: directory, createdTimeMs: 0, snapshotEvery: snapshotEvery)
        let journal = try Journal(directory: directory)
        let roots = journal.log.stateRoots
        var generator = EngineHistoryGenerator(seed: seed)
        var ledger = Ledger()
        var nextSeq: Seq = 1
        var time: TimeMs = 1_000
        var running: [Seq] = []
        var inputs: [JournalInput] = []
        func send(_ event: Event) {
            guard let records = try? ledger.process(event, seq: nextSeq, time: time, stateRoots: roots) else { return }
            inputs.append(JournalInput(time: time, event: event))
            nextSeq += UInt64(records.count)
            for record in records {
                if case .auctionStarted(let p) = record.event { running.append(p.auction) }
                if case .auctionEnded(let p) = record.event { running.removeAll { $0 == p.auction } }
            }
        }
        for event in generator.genesis(seed: seed) { time += 1; send(event) }
        for _ in 0..<events {
            let event = generator.next(ledger, running: running)
            if case .clock = event { time += EngineHistoryGenerator.tickMs } else { time += generator.random.int(0...EngineHistoryGenerator.maxGapMs) }
            send(event)
        }
        for start in stride(from: 0, to: inputs.count, by: 25) {
            try journal.append(Array(inputs[start..<min(start + 25, inputs.count)]))
        }
        #expect(journal.log.lastSeq == nextSeq - 1)
    }
}
