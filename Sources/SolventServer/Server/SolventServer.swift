import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import SolventCore
import SolventStore

/// The Solvent service on a Unix domain socket (SPEC §8): NDJSON requests from any number of
/// connections, group-committed by one committer thread into the log in `dataDirectory`.
public final class SolventServer: Sendable {
    /// The socket file's mode: owner and group may connect.
    public static let socketMode: Int16 = 0o660

    private let group: any EventLoopGroup
    /// Whether `shutdown` shuts the group down (it was made by `start`, not passed in).
    private let ownsGroup: Bool
    private let serverChannel: any Channel
    private let committer: Committer
    private let hub: SubscriptionHub
    private let connections: Connections

    private init(group: any EventLoopGroup, ownsGroup: Bool, serverChannel: any Channel, committer: Committer,
                 hub: SubscriptionHub, connections: Connections) {
        self.group = group
        self.ownsGroup = ownsGroup
        self.serverChannel = serverChannel
        self.committer = committer
        self.hub = hub
        self.connections = connections
    }

    /// Opens (creating if needed) the log in `dataDirectory`, replaces a stale socket file at
    /// `socketPath`, and serves. `nowMs` is the receipt clock for inputs without `time`;
    /// `subscriberBacklogRecords` bounds what a live subscriber may leave unread. Connections run
    /// on `eventLoopGroup` if given (left running at shutdown), else on a group of their own.
    public static func start(
        socketPath: String, dataDirectory: String, nowMs: @escaping @Sendable () -> TimeMs = SystemClock.nowMs,
        subscriberBacklogRecords: Int = SubscriptionHub.defaultBacklogRecords, eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws -> SolventServer {
        let journal = try openJournal(dataDirectory, nowMs: nowMs)
        let hub = SubscriptionHub(log: journal.log, backlogLimitRecords: subscriberBacklogRecords)
        let committer = Committer(journal: journal, hub: hub, nowMs: nowMs)
        committer.start()
        let connections = Connections()
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount - 1))
        let ownsGroup = eventLoopGroup == nil
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    connections.add(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(FrameDecoder()),
                            ConnectionHandler(committer: committer, hub: hub))
                    }
                }
                .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true)
                .get()
            try FileManager.default.setAttributes([.posixPermissions: socketMode], ofItemAtPath: socketPath)
            return SolventServer(group: group, ownsGroup: ownsGroup, serverChannel: channel, committer: committer, hub: hub,
                                 connections: connections)
        } catch {
            committer.stop()
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        }
    }

    private static func openJournal(_ directory: String, nowMs: @Sendable () -> TimeMs) throws -> Journal {
        do { return try Journal(directory: directory) } catch StoreError.notInitialized {
            try EventLog.create(directory: directory, createdTimeMs: nowMs())
            return try Journal(directory: directory)
        }
    }

    /// Group commits made so far and the inputs they appended.
    public var commitCounts: CommitCounts { committer.commitCounts }

    /// Subscriptions open now (catching up or live); also the `solvent_subscribers` gauge.
    public var subscriberCount: Int { hub.subscriberCount }

    /// Graceful stop: no new connections, every request already read is committed and
    /// acknowledged (later ones are refused `shutting_down`), connections close once their
    /// replies are written, then the log is closed.
    public func shutdown() async throws {
        try? await serverChannel.close()
        committer.stop()

        for channel in connections.all() {
            channel.pipeline.fireUserInboundEventTriggered(DrainAndClose())
        }
        for channel in connections.all() {
            try? await channel.closeFuture.get()
        }
        if ownsGroup { try await group.shutdownGracefully() }
    }
}

/// The open connections, so that shutdown can drain and close each.
private final class Connections: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        lock.withLock { channels[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = lock.withLock { channels.removeValue(forKey: id) }
        }
    }

    func all() -> [any Channel] { lock.withLock { Array(channels.values) } }
}

/// The wall clock in Unix milliseconds: the receipt time of inputs sent without `time`.
public enum SystemClock {
    @Sendable public static func nowMs() -> TimeMs {
        TimeMs((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
