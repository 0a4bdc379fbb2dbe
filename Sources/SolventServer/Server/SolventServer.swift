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

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let committer: Committer
    private let connections: Connections

    private init(group: MultiThreadedEventLoopGroup, serverChannel: any Channel, committer: Committer, connections: Connections) {
        self.group = group
        self.serverChannel = serverChannel
        self.committer = committer
        self.connections = connections
    }

    /// Opens (creating if needed) the log in `dataDirectory`, replaces a stale socket file at
    /// `socketPath`, and serves. `nowMs` is the receipt clock for inputs without `time`.
    public static func start(
        socketPath: String, dataDirectory: String, nowMs: @escaping @Sendable () -> TimeMs = SystemClock.nowMs
    ) async throws -> SolventServer {
        try await start(listener: .path(socketPath), dataDirectory: dataDirectory, nowMs: nowMs)
    }

    /// Opens (creating if needed) the log in `dataDirectory` — loading the latest snapshot and
    /// re-deriving the tail, which must match — and then listens on `listener`. When this
    /// returns, recovery is complete and connections are accepted.
    public static func start(
        listener: ServerOptions.Listener, dataDirectory: String, options: ServerOptions = ServerOptions(),
        nowMs: @escaping @Sendable () -> TimeMs = SystemClock.nowMs
    ) async throws -> SolventServer {
        let journal = try openJournal(dataDirectory, snapshotEvery: options.snapshotEvery, nowMs: nowMs)
        let committer = Committer(journal: journal, nowMs: nowMs, observer: options.observer)
        committer.start()
        let connections = Connections()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount - 1))
        let roles = options.roles
        do {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    connections.add(channel)
                    return PeerCredentials.of(channel).flatMapThrowing { peer in
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: Request.maxLineBytes),
                            ConnectionHandler(committer: committer, permission: roles.permission(for: peer)))
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
            return SolventServer(group: group, serverChannel: channel, committer: committer, connections: connections)
        } catch {
            committer.stop()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Open connections right now.
    public var connectionCount: Int { connections.count }

    /// Queues a `clock` input for the next group (skipped then if the engine awaits nothing).
    public func tick() {
        _ = committer.submit(.clockTick) { _ in }
    }

    /// Runs `request` through the committer like a connection's request and returns its reply
    /// line (`shutting_down` once shutdown began). The watchdog's liveness probe.
    public func answer(_ request: Request) async -> String {
        await withCheckedContinuation { continuation in
            let queued = committer.submit(request) { continuation.resume(returning: $0) }
            if !queued {
                continuation.resume(returning: Reply.refused(key: nil, InputError(
                    code: "shutting_down", message: "the server is shutting down")))
            }
        }
    }

    private static func openJournal(_ directory: String, snapshotEvery: UInt64?, nowMs: @Sendable () -> TimeMs) throws -> Journal {
        do { return try Journal(directory: directory, snapshotEvery: snapshotEvery) } catch StoreError.notInitialized {
            try EventLog.create(directory: directory, createdTimeMs: nowMs())
            return try Journal(directory: directory, snapshotEvery: snapshotEvery)
        }
    }

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
        try await group.shutdownGracefully()
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

    var count: Int { lock.withLock { channels.count } }
}

/// The wall clock in Unix milliseconds: the receipt time of inputs sent without `time`.
public enum SystemClock {
    @Sendable public static func nowMs() -> TimeMs {
        TimeMs((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
