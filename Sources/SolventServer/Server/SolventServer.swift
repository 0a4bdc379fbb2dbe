import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import SolventCore
import SolventProtocol
import SolventStore
import Synchronization

/// The Solvent service on a Unix domain socket (SPEC §8): NDJSON requests from any number of
/// connections, group-committed by one committer thread into the log in `dataDirectory`.
public final class SolventServer: Sendable {
    /// The socket file's mode: owner and group may connect.
    public static let socketMode: Int16 = 0o660
    /// Connections the kernel may queue before they are accepted: a burst of a thousand clients
    /// connecting at once is queued, not refused with EAGAIN (Linux caps it at somaxconn, 4,096).
    static let listenBacklog: Int32 = 1_024
    /// A connection's outbound buffer turns unwritable over `high` bytes and writable again under
    /// `low` (NIO's defaults, stated here because the server's bounds rest on them): while it is
    /// unwritable the connection's requests are not read (`ConnectionHandler`), and if it stays
    /// so for `stalledWriteSeconds` the connection is closed (`StalledWriteGuard`).
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)

    private let group: any EventLoopGroup
    /// Whether `shutdown` shuts the group down (it was made by `start`, not passed in).
    private let ownsGroup: Bool
    private let serverChannel: any Channel
    private let committer: Committer
    private let hub: SubscriptionHub
    private let connections: Connections
    /// Set once `writerService()` handed the writer to a service group, which then ends it.
    private let writerInGroup = Mutex(false)

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
        var options = ServerOptions()
        options.subscriberBacklogRecords = subscriberBacklogRecords
        options.eventLoopGroup = eventLoopGroup
        return try await start(listener: .path(socketPath), dataDirectory: dataDirectory, options: options, nowMs: nowMs)
    }

    /// Opens (creating if needed) the log in `dataDirectory` — loading the latest snapshot and
    /// re-deriving the tail, which must match — and then listens on `listener`. When this
    /// returns, recovery is complete and connections are accepted.
    public static func start(
        listener: ServerOptions.Listener, dataDirectory: String, options: ServerOptions = ServerOptions(),
        nowMs: @escaping @Sendable () -> TimeMs = SystemClock.nowMs
    ) async throws -> SolventServer {
        let journal = try openJournal(dataDirectory, snapshotEvery: options.snapshotEvery, maxMapSizeBytes: options.maxMapSizeBytes, nowMs: nowMs)
        let hub = SubscriptionHub(log: journal.log, backlogLimitRecords: options.subscriberBacklogRecords)
        let committer = Committer(journal: journal, hub: hub, nowMs: nowMs, observer: options.observer, replicationGate: options.replicationGate,
                                  clusterRole: options.clusterRole,
                                  window: GroupCommitWindow(delayUs: options.commitDelayUs))
        committer.start()
        let connections = Connections()
        let group = options.eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount - 1))
        let ownsGroup = options.eventLoopGroup == nil
        let roles = options.roles
        let maxConnections = options.maxConnections, stalledWriteSeconds = options.stalledWriteSeconds
        do {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: listenBacklog)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelOption(.writeBufferWaterMark, value: writeBufferWaterMark)
                .childChannelInitializer { channel in
                    guard connections.add(channel, limit: maxConnections) else {
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(limit: maxConnections))
                        }
                    }
                    return PeerCredentials.of(channel).flatMapThrowing { peer in
                        if stalledWriteSeconds > 0 {
                            try channel.pipeline.syncOperations.addHandler(StalledWriteGuard(timeout: .seconds(Int64(stalledWriteSeconds))))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ConnectionHandler(committer: committer, hub: hub, permission: roles.permission(for: peer)))
                    }
                }
            let channel: any Channel
            switch listener {
            case .path(let socketPath):
                channel = try await bootstrap.bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true).get()
                try FileManager.default.setAttributes([.posixPermissions: socketMode], ofItemAtPath: socketPath)
            case .descriptor(let descriptor):
                channel = try await bootstrap.withBoundSocket(descriptor).get()
            }
            return SolventServer(group: group, ownsGroup: ownsGroup, serverChannel: channel, committer: committer, hub: hub,
                                 connections: connections)
        } catch {
            await committer.stopped()
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        }
    }

    /// Open connections right now.
    public var connectionCount: Int { connections.count }

    /// The writer as a service for the daemon's group, listed before the server's own service:
    /// from then on `shutdown` drains the connections and leaves ending the writer (and closing
    /// the log) to this service, which the group shuts down after the server (`WriterService`).
    public func writerService(logClosed: @escaping @Sendable () -> Void = {}) -> WriterService {
        writerInGroup.withLock { $0 = true }
        return WriterService(committer: committer, logClosed: logClosed)
    }

    /// Group commits made so far and the inputs they appended.
    public var commitCounts: CommitCounts { committer.commitCounts }

    /// Subscriptions open now (catching up or live); also the `solvent_subscribers` gauge.
    public var subscriberCount: Int { hub.subscriberCount }

    /// The log, for readers beside the server (the replication link reads committed records).
    public var log: EventLog { hub.log }

    /// Queues a `clock` input for the next group (skipped then if the engine awaits nothing).
    public func tick() {
        _ = committer.submit([Submission(request: .clockTick, index: 0, target: Discard())])
    }

    /// Runs `request` through the committer like a connection's request and returns its answer
    /// (refused `shutting_down` once shutdown began). The watchdog's liveness probe; `Reply.line`
    /// writes what a connection would have been sent.
    public func answer(_ request: Request) async -> Response {
        await withCheckedContinuation { continuation in
            let target = Resume(continuation)
            if !committer.submit([Submission(request: request, index: 0, target: target)]) {
                continuation.resume(returning: .refused(key: nil, InputError(
                    code: "shutting_down", message: "the server is shutting down")))
            }
        }
    }

    /// The committed head seq, through the committer (the liveness probe); nil once it stopped.
    public func committedSeq() async -> Seq? {
        guard case .status(let seq, _, _, _, _) = await answer(.status) else { return nil }
        return seq
    }

    private static func openJournal(_ directory: String, snapshotEvery: UInt64?, maxMapSizeBytes: Int, nowMs: @Sendable () -> TimeMs) throws -> Journal {
        do { return try Journal(directory: directory, snapshotEvery: snapshotEvery, maxMapSizeBytes: maxMapSizeBytes) } catch StoreError.notInitialized {
            // A new log records the interval, so its state roots fall on the same boundaries
            // as its snapshots (roots follow the log's stored interval, never a process option).
            try EventLog.create(directory: directory, createdTimeMs: nowMs(), snapshotEvery: snapshotEvery)
            return try Journal(directory: directory, snapshotEvery: snapshotEvery, maxMapSizeBytes: maxMapSizeBytes)
        }
    }

    /// Graceful stop: no new connections, every request already read is committed and
    /// acknowledged (later ones are refused `shutting_down`), connections close once their
    /// replies are written, then the writer ends and the log is closed — here, or by the
    /// writer's own service when it runs in a group (`writerService`).
    public func shutdown() async throws {
        try? await serverChannel.close()
        committer.queue.close()
        for channel in connections.all() {
            channel.pipeline.fireUserInboundEventTriggered(DrainAndClose())
        }
        for channel in connections.all() {
            try? await channel.closeFuture.get()
        }
        if !writerInGroup.withLock({ $0 }) { await committer.stopped() }
        if ownsGroup { try await group.shutdownGracefully() }
    }
}

/// Where the daemon's own ticks' answers go: nowhere.
private final class Discard: ReplyTarget {
    func deliver(_ responses: [IndexedResponse]) {}
}

/// Hands one answer to a waiting task.
private final class Resume: ReplyTarget {
    let continuation: CheckedContinuation<Response, Never>
    init(_ continuation: CheckedContinuation<Response, Never>) { self.continuation = continuation }
    func deliver(_ responses: [IndexedResponse]) {
        continuation.resume(returning: responses[0].response)
    }
}

/// The open connections, so that shutdown can drain and close each.
private final class Connections: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    /// Adds `channel` unless `limit` connections are open already (then false: refuse it).
    func add(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = lock.withLock {
            guard channels.count < limit else { return false }
            channels[id] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            _ = lock.withLock { channels.removeValue(forKey: id) }
        }
        return true
    }

    func all() -> [any Channel] { lock.withLock { Array(channels.values) } }

    var count: Int { lock.withLock { channels.count } }
}

