import Foundation
import SolventCore
import SolventSim
import SolventStore
import Testing

/// All randomness comes from the seed: the log of a run is a function of (path, config).
@Suite struct DeterminismTests {
    @Test func sameSeedWritesTheSameLogBytes() throws {
        let path = try SimSupport.blackThursdayMorning()
        let config = SimSupport.config(accounts: 300)
        let (first, a) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        let (second, b) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        let bytesA = try SimSupport.recordBytes(a)
        #expect(bytesA.count > 1_000)
        #expect(bytesA == (try SimSupport.recordBytes(b)))
        #expect(first.summary == second.summary)
        #expect(try EventLog(directory: a).headHash == EventLog(directory: b).headHash)
    }

    /// The simulation stages every input through the journal's own state (one ledger, issue 21)
    /// and writes `batchInputs` of them per transaction. What it writes must be what a bare
    /// ledger decides for the same run, whatever the batching, and what the journal derives by
    /// itself from the same inputs: same summary and final state, a log that re-derives from
    /// genesis, and with snapshots every 500 records (crossed by many small batches) the same
    /// bytes as the inputs appended afresh in other batches, reloading to the same state.
    @Test func aRunThroughTheJournalWritesWhatTheLedgerAloneDecides() throws {
        let path = try SimSupport.blackThursdayMorning()
        var config = SimSupport.config(accounts: 300)
        config.batchInputs = 7
        let bare = try Simulation(path: path, config: config).run()
        let (logged, directory) = try SimSupport.runWithLog(Simulation(path: path, config: config))
        #expect(logged.summary == bare.summary)
        #expect(logged.ledger == bare.ledger)
        #expect(try Self.rederived(directory) == bare.ledger)

        let (snapshotted, small) = try SimSupport.runWithLog(Simulation(path: path, config: config), snapshotEvery: 500)
        let inputs = try SimSupport.records(small).filter { $0.cause == nil }.map { JournalInput(time: $0.time, event: $0.event) }
        let again = try SimSupport.temporaryDirectory() + "/log"
        try EventLog.create(directory: again, createdTimeMs: path.startMs, snapshotEvery: 500)
        let journal = try Journal(directory: again)
        for start in stride(from: 0, to: inputs.count, by: 1_000) {
            try journal.append(Array(inputs[start..<min(start + 1_000, inputs.count)]))
        }
        #expect(try SimSupport.recordBytes(small) == SimSupport.recordBytes(again))
        #expect(journal.ledger == snapshotted.ledger)
        #expect(try Self.rederived(small) == snapshotted.ledger)
        #expect(try EventLog(directory: small).snapshot(atOrBefore: snapshotted.ledger.lastSeq) != nil)
        #expect(try Journal(directory: small).ledger == snapshotted.ledger)
    }

    /// The state a log re-derives from genesis, record for record (nil if a record differs).
    static func rederived(_ directory: String) throws -> Ledger? {
        let log = try EventLog(directory: directory)
        var replay = Rederivation(ledger: Ledger(rules: log.rules), stateRoots: log.stateRoots)
        var mismatch: ReplayMismatch?
        try log.read { reader in mismatch = try reader.replay(&replay, from: 1) }
        guard mismatch == nil, replay.finish() == nil, replay.lastSeq == log.lastSeq else { return nil }
        return replay.ledger
    }

    @Test func differentSeedsDrawDifferentPopulations() throws {
        let path = try SimSupport.blackThursdayMorning()
        let one = Simulation(path: path, config: SimSupport.config(accounts: 200, seed: 1)).population
        let again = Simulation(path: path, config: SimSupport.config(accounts: 200, seed: 1)).population
        let two = Simulation(path: path, config: SimSupport.config(accounts: 200, seed: 2)).population
        #expect(one == again)
        #expect(one != two)
        #expect(one.pairs.map(\.qty) != two.pairs.map(\.qty))
        #expect(one.bots.map(\.delayMs) != two.bots.map(\.delayMs))
    }

    @Test func populationOpensBalancedPositionsWithDocumentedLeverage() throws {
        let path = try SimSupport.blackThursdayMorning()
        let sim = Simulation(path: path, config: SimSupport.config(accounts: 1_000))
        // One of the table's, or 90 % of the tier's maximum (1 / imr) where the table's is above it.
        let allowed = Set(Population.leverageWeights.map(\.leverage) + MarketSetup.tiers.map { 90_000_000 / $0.imr.raw })
        for pair in sim.population.pairs {
            #expect(pair.qty.isPositive)
            #expect(allowed.contains(pair.long.leverage) && allowed.contains(pair.short.leverage))
            #expect(pair.long.deposit.isPositive && pair.short.deposit.isPositive)
        }
        #expect(Set(sim.population.pairs.map(\.long.leverage)).count >= 5)
        // Setup alone: positions sum to zero and every trader holds its position.
        let (result, _) = try SimSupport.runWithLog(Simulation(path: path.prefix(1), config: SimSupport.config(accounts: 1_000)))
        #expect(Set(sim.population.pairs.map(\.openOffsetMs)).count > 100)
        #expect(result.ledger.netPosition(market: MarketID(valid: "BTCUSDT-PERP")) == .zero)
        #expect(result.ledger.invariantViolations().isEmpty)
        let first = sim.population.pairs[0]
        #expect(result.ledger.positions(first.long.id).first?.qty == first.qty)
        #expect(result.ledger.positions(first.short.id).first?.qty == .zero - first.qty)
    }
}
