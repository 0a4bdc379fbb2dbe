import Foundation
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
    /// The peer process's supplementary groups (not in `SO_PEERCRED`; see `supplementaryGroups`).
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Reads `SO_PEERCRED` from an accepted channel through NIO's `SocketOptionProvider`;
    /// nil where the channel has no socket or the platform no such option.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        return peerCred(provider)
            .map { (cred: UCred) in
                PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid,
                                groups: supplementaryGroups(pid: cred.pid, uid: cred.uid, gid: cred.gid))
            }
            .recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }

    /// The supplementary groups of process `pid`, from the `Groups:` line of /proc/PID/status
    /// (proc(5)). `SO_PEERCRED` carries only the primary gid, and `SO_PEERGROUPS` cannot be read
    /// through NIO's fixed-size socket options (its length, the group count, is not returned).
    /// The pid is the one the kernel recorded at connect time; should that process be gone and
    /// the pid reused, the file's real uid and gid would have to match the peer's too, else no
    /// supplementary group is granted (empty: a role may then still match by uid or primary gid).
    static func supplementaryGroups(pid: Int32, uid: UInt32, gid: UInt32) -> [UInt32] {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        return supplementaryGroups(status: status, uid: uid, gid: gid) ?? []
    }

    /// Parses a /proc/PID/status text: the `Groups:` ids, or nil when its real `Uid:` or `Gid:`
    /// (the first number of each line) is not `uid`/`gid`, or a line is missing or malformed.
    public static func supplementaryGroups(status: String, uid: UInt32, gid: UInt32) -> [UInt32]? {
        var realUid: UInt32?
        var realGid: UInt32?
        var groups: [UInt32]?
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let name = parts.first else { continue }
            switch name {
            case "Uid:": realUid = parts.count > 1 ? UInt32(parts[1]) : nil
            case "Gid:": realGid = parts.count > 1 ? UInt32(parts[1]) : nil
            case "Groups:":
                let ids = parts.dropFirst().map { UInt32($0) }
                guard !ids.contains(nil) else { return nil }
                groups = ids.compactMap { $0 }
            default: continue
            }
        }
        guard realUid == uid, realGid == gid else { return nil }
        return groups
    }

    /// Reads `SO_PEERCRED` from a connected Unix socket `fd` (no supplementary groups); nil if
    /// the kernel gives none. For a client's socket it names the process that listens.
    public static func of(fd: Int32) -> PeerCredentials? {
        #if os(Linux)
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.pid > 0 else { return nil }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
        #else
        return nil
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
