import Foundation
import SolventAudit
import SolventCore
import SolventStore
import Testing

/// SPEC §5.11: a log written by an earlier release re-derives byte for byte under this one, and
/// its liquidations replay `reproduced`. Fixtures/logs/rules-1 holds a log written by main at
/// 7575d70, before rules were versioned (its `meta` has no `rulesVersion`): `solvent simulate`
/// of 400 traders over three hours of Black Thursday (Fixtures/logs/rules-1/README.md), with
/// backstops into the fund, the fund's `fund_bankruptcy` resets, merges and ADL.
@Suite("Engine rules: logs of earlier rules stay true")
struct RulesFixtureTests {
    /// The fixture unpacked into a fresh directory (LMDB's data file, compacted with
    /// `mdb_copy -c` and gzip'd), opened read-only as an auditor would.
    static func withRules1Log<T>(_ body: (EventLog) throws -> T) throws -> T {
        try withFixtureLog("Fixtures/logs/rules-1/crash-3h-400.mdb.gz", body)
    }

    /// Fixtures/logs/rules-2: written by main at 22124c1 under rules 2 with the defaults of
    /// rules 1–2 (no `params.set`), which rules 3 changed.
    static func withRules2Log<T>(_ body: (EventLog) throws -> T) throws -> T {
        try withFixtureLog("Fixtures/logs/rules-2/crash-3h-400.mdb.gz", body)
    }

    static func withFixtureLog<T>(_ path: String, _ body: (EventLog) throws -> T) throws -> T {
        try withTemporaryDirectory { directory in
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-dc", fixture(path)]
            FileManager.default.createFile(atPath: directory + "/data.mdb", contents: nil)
            gzip.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data.mdb"))
            try gzip.run()
            gzip.waitUntilExit()
            try #require(gzip.terminationStatus == 0)
            return try body(try EventLog(directory: directory, readOnly: true))
        }
    }

    @Test func theRules1FixtureReDerivesEveryRecordUnderRules1() throws {
        try Self.withRules1Log { log in
            #expect(log.rules == .v1)
            var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
            let mismatch = try log.read { reader in try reader.replay(&replay, from: 1) }
            #expect(mismatch == nil, "\(String(describing: mismatch))")
            #expect(replay.finish() == nil)
            #expect(replay.lastSeq == 5_786)
            // The fixture exercises what rules 2 changed, so re-deriving it is a real check.
            var kinds: [String: Int] = [:]
            for record in try allRecords(log) { kinds[record.event.kind.name, default: 0] += 1 }
            #expect(kinds["adl", default: 0] > 100)
            #expect(kinds["auction.reset", default: 0] > 100)
            #expect(kinds["auction.fill", default: 0] > 100)
        }
    }

    /// The same log under rules 2 does not re-derive: the rules differ, which is why the log's
    /// version decides them.
    @Test func theRules1FixtureDoesNotReDeriveUnderRules2() throws {
        try Self.withRules1Log { log in
            var replay = Rederivation(ledger: Ledger(rules: .v2), stateRoots: log.stateRoots)
            let mismatch = try log.read { reader in try reader.replay(&replay, from: 1) }
            #expect(mismatch != nil)
        }
    }

    /// Liquidation 2789 (long-13, closed by ADL against short-125) replays `reproduced`.
    @Test func aLiquidationOfTheRules1FixtureReplaysReproduced() throws {
        try Self.withRules1Log { log in
            let replay = try LiquidationReplay.run(2_789, in: AuditLog(log: log))
            #expect(replay.mismatch == nil)
            #expect(replay.life.started.account == AccountID(valid: "long-13"))
            #expect(replay.records.contains { $0.log?.event.kind == .adl && $0.matches })
        }
    }

    @Test func theRules2FixtureReDerivesEveryRecordUnderRules2() throws {
        try Self.withRules2Log { log in
            #expect(log.rules == .v2)
            var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
            let mismatch = try log.read { reader in try reader.replay(&replay, from: 1) }
            #expect(mismatch == nil, "\(String(describing: mismatch))")
            #expect(replay.finish() == nil)
            #expect(replay.lastSeq == 5_125)
            let records = try allRecords(log)
            // Only the defaults differ from rules 3, so the log must rely on them to be a check.
            #expect(!records.contains { $0.event.kind == .paramsSet })
            #expect(records.filter { $0.event.kind == .adl }.count == 257)
            #expect(records.filter { $0.event.kind == .auctionFill }.count > 40)
        }
    }

    /// Under rules 3 the same inputs meet other default parameters and derive other records.
    @Test func theRules2FixtureDoesNotReDeriveUnderRules3() throws {
        try Self.withRules2Log { log in
            var replay = Rederivation(ledger: Ledger(rules: .v3), stateRoots: log.stateRoots)
            let mismatch = try log.read { reader in try reader.replay(&replay, from: 1) }
            #expect(mismatch != nil)
        }
    }

    /// Liquidation 2427 (long-85, closed partly by ADL against short-76) replays `reproduced`
    /// under the log's rules 2.
    @Test func aLiquidationOfTheRules2FixtureReplaysReproduced() throws {
        try Self.withRules2Log { log in
            let replay = try LiquidationReplay.run(2_427, in: AuditLog(log: log))
            #expect(replay.mismatch == nil)
            #expect(replay.rules == .v2)
            #expect(replay.life.started.account == AccountID(valid: "long-85"))
            #expect(replay.records.contains { $0.log?.event.kind == .adl && $0.matches })
        }
    }
}
