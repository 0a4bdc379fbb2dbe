import Foundation
import SolventDaemon
import SolventServer
#if canImport(Glibc)
import Glibc
#endif

/// Which process serves a Unix socket: connect once and read the listener's pid from
/// `SO_PEERCRED` (socket(7); the kernel records it at `listen`, so it cannot be spoofed).
/// `DaemonProcess` needs it because the process it spawned need not be the one serving: a
/// wrapper script that runs `solventd` without `exec` stays the parent, and a signal sent to it
/// never reaches the daemon.
enum SocketPeer {
    /// The pid of the process listening on `path`, or nil if nothing accepts a connection there.
    static func listenerPID(path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard Notifier.withAddress(path, { connect(fd, $0, $1) }) == 0 else { return nil }
        return PeerCredentials.of(fd: fd)?.pid
    }
}
