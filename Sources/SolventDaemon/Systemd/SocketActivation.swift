#if canImport(Glibc)
import Glibc
#endif

/// systemd's socket activation (sd_listen_fds(3)): passed descriptors start at 3, their count is
/// `LISTEN_FDS`, and they are ours only when `LISTEN_PID` is this process.
public enum SocketActivation {
    /// The first passed descriptor.
    public static let firstDescriptor: Int32 = 3

    /// The listening socket passed to this process, nil when none was. More than one passed
    /// socket is an error: solventd listens on exactly one (docs/OPERATIONS.md).
    public static func listeningDescriptor(environment: [String: String], pid: Int32 = getpid()) throws -> Int32? {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else { return nil }
        guard Int32(pidText) == pid else { return nil }  // Meant for another process (e.g. our parent).
        guard let count = Int(countText), count >= 1 else { return nil }
        guard count == 1 else { throw ActivationError(message: "LISTEN_FDS=\(count): solventd takes exactly one socket") }
        let fd = firstDescriptor
        guard isListeningUnixStream(fd) else {
            throw ActivationError(message: "descriptor \(fd) is not a listening Unix stream socket")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // Not inherited by anything we might start.
        return fd
    }

    /// Drops the variables, as sd_listen_fds(1) does, so no child takes the socket as its own.
    public static func unsetEnvironment() {
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
    }

    static func isListeningUnixStream(_ fd: Int32) -> Bool {
        var domain: Int32 = 0, type: Int32 = 0, listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 else { return false }
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else { return false }
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 else { return false }
        return domain == AF_UNIX && type == Int32(SOCK_STREAM.rawValue) && listening != 0
    }
}

public struct ActivationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
