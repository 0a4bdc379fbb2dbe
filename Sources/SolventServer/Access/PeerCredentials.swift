import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The process at the other end of a Unix socket connection, as the kernel reports it when the
/// connection is made (`SO_PEERCRED`, socket(7)): it cannot be forged by the client.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Reads `SO_PEERCRED` from an accepted channel through NIO's `SocketOptionProvider`;
    /// nil where the channel has no socket or the platform no such option.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        return peerCred(provider)
            .map { (cred: UCred) in PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid) }
            .recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }

    #if os(Linux)
    /// `struct ucred` of socket(7), which Glibc's module map leaves out (it is `_GNU_SOURCE`
    /// only): the same three fields, the same layout.
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    // Not public nor inlinable, as NIO asks of every `unsafeGetSocketOption` caller
    // (SocketOptionProvider.swift: a compiler issue with the Sendability of libc types).
    private static func peerCred(_ provider: any SocketOptionProvider) -> EventLoopFuture<UCred> {
        provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    }
    #endif
}
