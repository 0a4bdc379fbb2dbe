import Foundation
import SolventDrills
import Testing

/// The short overload drill (issue 10; the full one with its figures is `solvent bench
/// overload`): a real solventd per phase with 200 connections held open, clients that never
/// read, subscribers that never read and a flood of 2 MiB lines, each beside a well-behaved
/// client that must get every one of its 50 appends acknowledged (alone, then beside the attack). Latency is a bench figure,
/// not asserted here; what is asserted is what the server does to each offender.
@Suite struct OverloadDrillTests {
    @Test func offendersAreRefusedOrCutWhileAWellBehavedClientIsServed() async throws {
        let daemon = try solventdPath()
        try await withTemporaryDirectory { directory in
            var drill = OverloadDrill(daemonPath: daemon, directory: directory, connections: 200, requests: 50)
            drill.warmupRequests = 5
            drill.floodClients = 2
            drill.nonReaders = 1  // Its burst of appends before it stalls is slow to commit in a debug build.
            drill.subscriberBacklogRecords = 64
            drill.stalledWriteSeconds = 1
            let reports = try await drill.run([.connections, .nonReader, .silentSubscriber, .lineFlood])
            let byPhase = Dictionary(uniqueKeysWithValues: reports.map { ($0.phase, $0) })
            for report in reports {
                // The drill throws unless the well-behaved client got every reply.
                #expect(report.latenciesNs.count == 50 && report.aloneNs.count == 50, "\(report.phase): \(report.summary)")
            }

            let connections = try #require(byPhase[.connections]).outcomes
            #expect(connections["held-answered"] == 200, "\(connections)")
            // The limit is 200 + 16: of 32 more, 16 are served and 16 refused, and closed.
            #expect(connections["extra-answered"] == 16, "\(connections)")
            #expect(connections["refused-too_many_connections"] == 16, "\(connections)")
            #expect(connections["refused-left-open"] == nil, "\(connections)")

            // Never reading: the server stops reading them, then closes them once their socket has
            // been unwritable for stalledWriteSeconds.
            let nonReader = try #require(byPhase[.nonReader])
            #expect(nonReader.outcomes == ["cut": 1], "\(nonReader.outcomes)")

            let subscribers = try #require(byPhase[.silentSubscriber]).outcomes
            #expect(subscribers["still-open"] == nil, "\(subscribers)")
            #expect(subscribers.values.reduce(0, +) == 4, "\(subscribers)")

            // Every 2 MiB line ends its connection: refused line_too_long (or, when the client's
            // own write fails first on the closed socket, closed without the reply reaching it).
            let flood = try #require(byPhase[.lineFlood]).outcomes
            #expect(flood["still-open"] == nil && flood["connect-failed"] == nil, "\(flood)")
            #expect((flood["refused-line_too_long"] ?? 0) > 0, "\(flood)")
        }
    }
}
