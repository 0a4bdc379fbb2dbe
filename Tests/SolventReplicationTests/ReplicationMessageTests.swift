import NIOCore
import SolventCore
import SolventRandom
import SolventStore
import Testing
@testable import SolventReplication

/// The link's messages: every kind round-trips, and no frame — truncated, extended or random —
/// makes the decoder trap: it throws `malformed` (a peer's garbage is an error, not an outage).
@Suite struct ReplicationMessageTests {
    static let samples: [ReplicationMessage] = [
        .challenge(nonce: Array(repeating: 7, count: 32), rules: 3, snapshotEvery: 100_000, epoch: 1_234),
        .hello(nonce: Array(repeating: 9, count: 32), node: "standby-ü", from: 42,
               probes: [ChainProbe(seq: 41, hash: Array(repeating: 4, count: 32)), ChainProbe(seq: 1, hash: Array(repeating: 5, count: 32))],
               proof: Array(repeating: 1, count: 32)),
        .hello(nonce: Array(repeating: 9, count: 32), node: "new", from: 1, probes: [], proof: Array(repeating: 1, count: 32)),
        .welcome(node: "leader-a", proof: Array(repeating: 2, count: 32)),
        .records([ReplicatedRecord(seq: 5, bytes: [1, 2, 3], prevHash: Array(repeating: 0, count: 32), requestKey: "k-1"),
                  ReplicatedRecord(seq: 6, bytes: [], prevHash: Array(repeating: 255, count: 32)),
                  ReplicatedRecord(seq: 7, bytes: [9], prevHash: Array(repeating: 1, count: 32), requestKey: "batch-1", receipt: [1, 2, 3, 4])],
                 headHash: Array(repeating: 3, count: 32), epoch: 7),
        .diverged(common: 17, epoch: 8),
        .ack(durable: 99),
        .refusal("wrong key"),
    ]

    @Test func everyMessageRoundTrips() throws {
        for message in Self.samples {
            var buffer = ByteBuffer()
            message.encode(into: &buffer)
            #expect(try ReplicationMessage.decode(buffer) == message)
        }
    }

    @Test func truncatedExtendedAndRandomFramesThrowNeverTrap() {
        var random = SplitMix64(seed: 26)
        for message in Self.samples {
            var buffer = ByteBuffer()
            message.encode(into: &buffer)
            let bytes = Array(buffer.readableBytesView)
            for cut in 0..<bytes.count {
                #expect(throws: ReplicationError.self) { try ReplicationMessage.decode(ByteBuffer(bytes: bytes[..<cut])) }
            }
            #expect(throws: ReplicationError.self) { try ReplicationMessage.decode(ByteBuffer(bytes: bytes + [0])) }
        }
        for _ in 0..<20_000 {
            let count = Int(random.below(64))
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? ReplicationMessage.decode(ByteBuffer(bytes: bytes))
        }
    }

    @Test func proofsNeedTheKeyAndBothNonces() throws {
        let key = try Handshake(secret: Array(repeating: 42, count: 32))
        let other = try Handshake(secret: Array(repeating: 43, count: 32))
        let (a, b) = (Handshake.nonce(), Handshake.nonce())
        #expect(a != b)
        let probes = [ChainProbe(seq: 6, hash: Array(repeating: 6, count: 32))]
        let message = Handshake.standbyMessage(leaderNonce: a, standbyNonce: b, node: "s", from: 7, probes: probes)
        #expect(key.verify(key.prove(message), message))
        #expect(!key.verify(other.prove(message), message))
        #expect(!key.verify(key.prove(message), Handshake.standbyMessage(leaderNonce: b, standbyNonce: a, node: "s", from: 7, probes: probes)))
        #expect(!key.verify(key.prove(message), Handshake.standbyMessage(leaderNonce: a, standbyNonce: b, node: "s", from: 8, probes: probes)))
        // The probes are proved too: nobody between the two can make a standby drop records.
        let altered = [ChainProbe(seq: 6, hash: Array(repeating: 7, count: 32))]
        #expect(!key.verify(key.prove(message), Handshake.standbyMessage(leaderNonce: a, standbyNonce: b, node: "s", from: 7, probes: altered)))
        #expect(throws: ReplicationError.self) { try Handshake(secret: Array(repeating: 1, count: 31)) }
    }

    /// After the handshake every frame is sealed: altered, replayed, reordered or sent the wrong
    /// way, it is refused.
    @Test func sealedFramesAreRefusedWhenAlteredReplayedOrReordered() throws {
        let key = try Handshake(secret: Array(repeating: 42, count: 32))
        let (a, b) = (Handshake.nonce(), Handshake.nonce())
        var leader = SessionSeal(handshake: key, leaderNonce: a, standbyNonce: b, isLeader: true)
        var standby = SessionSeal(handshake: key, leaderNonce: a, standbyNonce: b, isLeader: false)
        let first = leader.seal(.ack(durable: 1)), second = leader.seal(.ack(durable: 2))
        var altered = first
        altered.setInteger(UInt8(9), at: altered.readerIndex + 3)
        #expect(throws: ReplicationError.self) { _ = try standby.open(altered) }
        #expect(throws: ReplicationError.self) { _ = try standby.open(second) }      // out of order
        #expect(try standby.open(first) == .ack(durable: 1))
        #expect(throws: ReplicationError.self) { _ = try standby.open(first) }       // replayed
        #expect(try standby.open(second) == .ack(durable: 2))
        var other = SessionSeal(handshake: key, leaderNonce: b, standbyNonce: a, isLeader: true)
        #expect(throws: ReplicationError.self) { _ = try standby.open(other.seal(.ack(durable: 3))) }  // another session
        var echo = standby
        #expect(throws: ReplicationError.self) { _ = try echo.open(standby.seal(.ack(durable: 4))) }  // its own frame back
    }
}
