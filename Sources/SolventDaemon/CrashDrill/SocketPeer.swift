import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which process serves a Unix socket: connect once and read the listener's pid from
/// `SO_PEERCRED` (socket(7); the kernel records it at `listen`, so it cannot be spoofed).
/// `DaemonProcess` needs it because the process it spawned need not be the one serving: a
/// wrapper script that runs `solventd` without `exec` stays the parent, and a signal sent to it
/// never reaches the daemon.
enum SocketPeer {
    /// `struct ucred`, which Glibc's module map leaves out (it is `_GNU_SOURCE` only).
    private struct UCred {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The pid of the process listening on `path`, or nil if nothing accepts a connection there.
    static func listenerPID(path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.pid > 0 else { return nil }
        return credentials.pid
    }
}
